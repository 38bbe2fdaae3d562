using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// The whole alignment loop on a task pack, on the CPU, within a time budget, every stage a run of the one recipe
/// (<see cref="RunFactory"/>) as the web app would train it: SFT a tiny model on the pack's corpus (its tokenizer
/// trained on the pack's text); sample pairs from it and let the pack's oracle label them, as labelers would; align
/// (DPO on the pairs; PPO against a reward model trained on them; GRPO against the pack's programmatic reward); then
/// judge the aligned policy against its SFT start on held-out prompts with the oracle.
/// </summary>
public sealed class AlignEval(ITaskPack pack, Algorithm algorithm, int seed, double minutes, TextWriter log)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>The model: the tiny preset with 48 positions (the packs' prompts and answers are short).</summary>
    public int Positions { get; init; } = 48;

    /// <summary>SFT steps; null = the pack's default (arithmetic needs longer to learn to add at all).</summary>
    public int? SftSteps { get; init; }
    public int? SftExamples { get; init; }

    private bool Arithmetic => pack is ArithmeticPack;

    /// <summary>Learning rate of the alignment stage; null = the algorithm's default here.</summary>
    public float? AlignLearningRate { get; init; }
    public int? AlignSteps { get; init; }

    /// <summary>β 0.5 rather than TRL's 0.1: a 130k-parameter model drifts into broken grammar under a weaker tie to its reference.</summary>
    public double DpoBeta { get; init; } = 0.5;

    /// <summary>TRL's rpo_alpha: the NLL of chosen responses keeps the tiny model fluent while DPO moves it.</summary>
    public double RpoAlpha { get; init; } = 1.0;
    public DpoLossType DpoLossType { get; init; } = DpoLossType.Sigmoid;
    public float PpoKlCoef { get; init; } = 0.05f;

    /// <summary>PPO's rollout temperature; 1 here (TRL's default is 0.7) because the judge samples both policies at 1.</summary>
    public float PpoTemperature { get; init; } = 1f;
    public int HeldOutPrompts { get; init; } = 200;

    /// <summary>Where each stage's run folder goes (checkpoints, metrics.jsonl, samples.jsonl); null = a temporary folder, deleted after.</summary>
    public string? Output { get; init; }

    /// <summary>Scale every stage down (tests); 1 = the full run.</summary>
    public double Scale { get; init; } = 1;

    private int S(int n) => Math.Max(2, (int)Math.Round(n * Scale));

    public sealed record Result(double? SftAccuracy, double? AccuracyAfter, double? RmHeldOutAccuracy, double Kl, double WinRate, double Seconds);

    public Result Run(CancellationToken cancel = default)
    {
        string work = Output ?? Directory.CreateTempSubdirectory("lna-align-eval-").FullName;
        try
        {
            return Run(work, cancel);
        }
        finally
        {
            if (Output is null) Directory.Delete(work, recursive: true);
        }
    }

    private Result Run(string work, CancellationToken cancel)
    {
        // 1. SFT, on the pack's corpus with a tokenizer trained on the pack's text.
        var sft = Train(work, Spec(new SftOptions(), new TrainerOptions
        {
            MaxSteps = S(SftSteps ?? (Arithmetic ? 1500 : 400)), BatchSize = 32, LearningRate = 3e-3f, WarmupSteps = 20, MinLearningRateRatio = 0.1f,
        }), PackRows.Sft(pack, seed, S(SftExamples ?? (Arithmetic ? 20000 : 4000))), null, null, cancel);
        string sftCheckpoint = sft.Outcome.Result.LastCheckpoint!;
        Say($"tokenizer_vocab={sft.VocabSize} params={sft.Parameters}");
        Say($"sft_loss={F(sft.Outcome.Result.LastMetrics["loss"])} sft_steps={sft.Outcome.Result.Step} t={F(_clock.Elapsed.TotalSeconds)}s");
        var tokenizer = TokenizerFiles.Load(sftCheckpoint);
        var sftWeights = Checkpoint.Load(sftCheckpoint).Parameters;

        var heldOut = pack.HeldOutPrompts(seed, S(HeldOutPrompts));
        var heldOutIds = heldOut.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var sftSamples = PolicySamples.Generate(sftWeights, tokenizer, heldOutIds, 1f, seed + 7);
        double? sftAccuracy = null;
        if (pack is ArithmeticPack)
        {
            sftAccuracy = Accuracy(sftWeights, tokenizer, heldOut, heldOutIds);
            Say($"sft_accuracy={F(sftAccuracy.Value)}");
        }

        // 2. Align, from the SFT checkpoint, within what is left of the budget.
        double? rmAccuracy = null;
        string aligned;
        switch (algorithm)
        {
            case Algorithm.Dpo:
            {
                var pairs = OraclePairs.FromModel(pack, sftWeights, tokenizer, pack.Prompts(seed, S(4000)), seed + 11, out int ties);
                Say($"pairs={pairs.Count} ties_dropped={ties}");
                using var budget = Budget(cancel);
                var run = Train(work, Spec(new DpoOptions { Beta = DpoBeta, RpoAlpha = RpoAlpha, LossType = DpoLossType }, new TrainerOptions
                {
                    MaxSteps = S(AlignSteps ?? 400), BatchSize = 32, LearningRate = AlignLearningRate ?? 1e-3f, WarmupSteps = 10, LrSchedulerType = LrSchedulerType.Constant,
                }), pairs.Select(PackRows.Row).ToList(), sftCheckpoint, null, budget.Token);
                Say($"dpo_steps={run.Outcome.Result.Step} rewards/accuracies={F(run.Outcome.Result.LastMetrics["rewards/accuracies"])} rewards/margins={F(run.Outcome.Result.LastMetrics["rewards/margins"])}");
                aligned = run.Outcome.Result.LastCheckpoint!;
                break;
            }
            case Algorithm.Grpo:
            {
                using var budget = Budget(cancel);
                var run = Train(work, Spec(new GrpoOptions { NumGenerations = 8, MaxCompletionLength = pack.MaxCompletionTokens, Beta = 0.02f, Temperature = 1f },
                    new TrainerOptions
                    {
                        MaxSteps = S(AlignSteps ?? (Arithmetic ? 4000 : 200)), BatchSize = 8, LearningRate = AlignLearningRate ?? (Arithmetic ? 3e-4f : 5e-4f), WarmupSteps = 5,
                        LrSchedulerType = LrSchedulerType.Constant,
                    }), PackRows.Prompts(pack, seed, S(2000)), sftCheckpoint, null, budget.Token);
                Say($"grpo_steps={run.Outcome.Result.Step} reward={F(run.Outcome.Result.LastMetrics["reward"])}");
                aligned = run.Outcome.Result.LastCheckpoint!;
                break;
            }
            case Algorithm.Ppo:
            {
                var pairs = OraclePairs.FromModel(pack, sftWeights, tokenizer, pack.Prompts(seed, S(4000)), seed + 11, out int ties);
                var heldPairs = OraclePairs.FromModel(pack, sftWeights, tokenizer, heldOut, seed + 13, out _);
                Say($"pairs={pairs.Count} heldout_pairs={heldPairs.Count} ties_dropped={ties}");
                var rm = Train(work, Spec(new RewardOptions { CenterRewardsCoefficient = 0.01 }, new TrainerOptions
                {
                    MaxSteps = S(600), BatchSize = 32, LearningRate = 1e-3f, WarmupSteps = 10,
                }), pairs.Select(PackRows.Row).ToList(), sftCheckpoint, null, cancel);
                string rmCheckpoint = rm.Outcome.Result.LastCheckpoint!;
                rmAccuracy = RewardTrainer.Accuracy(new Gpt(Checkpoint.Load(rmCheckpoint).Parameters), heldPairs.Select(p => new TokenizedPreference(
                    ChatTemplate.EncodePrompt(tokenizer, p.Prompt), ChatTemplate.EncodeCompletion(tokenizer, p.Chosen), ChatTemplate.EncodeCompletion(tokenizer, p.Rejected))).ToList(),
                    tokenizer.PadId);
                Say($"rm_heldout_accuracy={F(rmAccuracy.Value)}");
                using var budget = Budget(cancel);
                var run = Train(work, Spec(new PpoOptions { MaxCompletionLength = pack.MaxCompletionTokens, KlCoef = PpoKlCoef, Temperature = PpoTemperature },
                    new TrainerOptions
                    {
                        MaxSteps = S(AlignSteps ?? 800), BatchSize = 32, LearningRate = AlignLearningRate ?? 5e-4f, WarmupSteps = 5, LrSchedulerType = LrSchedulerType.Constant,
                    }), PackRows.Prompts(pack, seed, S(2000)), sftCheckpoint, rmCheckpoint, budget.Token);
                Say($"ppo_steps={run.Outcome.Result.Step} objective/scores={F(run.Outcome.Result.LastMetrics["objective/scores"])}");
                aligned = run.Outcome.Result.LastCheckpoint!;
                break;
            }
            default:
                throw new ArgumentException($"align-eval aligns with dpo, ppo or grpo, not {algorithm.WireName()}.");
        }

        // 3. Judge: the aligned policy against its SFT start, on held-out prompts, with the oracle.
        var after = Checkpoint.Load(aligned).Parameters;
        double? accuracyAfter = null;
        if (pack is ArithmeticPack)
        {
            accuracyAfter = Accuracy(after, tokenizer, heldOut, heldOutIds);
            Say($"accuracy_after={F(accuracyAfter.Value)}");
        }
        var afterSamples = PolicySamples.Generate(after, tokenizer, heldOutIds, 1f, seed + 7);
        var refScores = new LogProbs(new InferenceModel(sftWeights)).Compute(heldOutIds, afterSamples.Select(s => s.Ids).ToList());
        double kl = 0;
        for (int i = 0; i < afterSamples.Count; i++) kl += afterSamples[i].LogProb - refScores[i].Sum;
        kl /= afterSamples.Count;
        double wins = 0;
        for (int i = 0; i < heldOut.Count; i++)
        {
            var p = pack.Prefer(heldOut[i], afterSamples[i].Text, sftSamples[i].Text);
            wins += p == Preference.First ? 1 : p == Preference.Tie ? 0.5 : 0;
        }
        double winRate = wins / heldOut.Count;
        for (int i = 0; i < Math.Min(3, heldOut.Count); i++)
            Say($"sample: {heldOut[i].Prompt} | sft:{sftSamples[i].Text} | {algorithm.WireName()}:{afterSamples[i].Text}");
        Say($"kl={F(kl)}");
        Say($"seconds={F(_clock.Elapsed.TotalSeconds)}");
        Say($"oracle_winrate_after={F(winRate)}");
        return new Result(sftAccuracy, accuracyAfter, rmAccuracy, kl, winRate, _clock.Elapsed.TotalSeconds);
    }

    /// <summary>A stage's spec: the tiny preset with short positions, a checkpoint only at the end, samples only when kept.</summary>
    private RunSpec Spec(AlgorithmOptions options, TrainerOptions trainer)
    {
        var spec = new RunSpec(options)
        {
            Trainer = trainer with { Seed = seed, SaveSteps = 0 }, Model = "tiny", NPositions = Positions, NumEvalPrompts = Output is null ? 0 : 4,
        };
        return RunSpecs.Parse(spec.Algorithm, RunSpecs.ToJson(spec), CliBackends.Registry); // the key table's bounds apply here too
    }

    private sealed record Stage(RunOutcome Outcome, int VocabSize, long Parameters);

    private Stage Train(string work, RunSpec spec, List<System.Text.Json.Nodes.JsonObject> rows, string? baseCheckpoint, string? rewardCheckpoint,
        CancellationToken cancel)
    {
        string folder = Path.Combine(work, spec.Algorithm.WireName());
        using var reporter = new JsonlRunReporter(folder);
        using var run = CliBackends.Factory.Prepare(new RunInputs
        {
            Spec = spec, Rows = rows, Source = $"the {pack.Name} pack", Pack = pack, BaseCheckpoint = baseCheckpoint, RewardCheckpoint = rewardCheckpoint,
            OutputFolder = folder, EvalPrompts = pack.HeldOutPrompts(seed, spec.NumEvalPrompts),
            TokenizerCorpus = () => [pack.TokenizerCorpus(seed)], TokenizerVocabSize = pack.TokenizerVocabSize,
        }, reporter, cancel);
        var outcome = run.Run(cancel);
        var vocab = TokenizerFiles.Load(outcome.Result.LastCheckpoint!).VocabSize;
        return new Stage(outcome, vocab, run.Inner.ParameterCount);
    }

    /// <summary>The alignment stage stops at the budget (with a checkpoint), leaving time to judge.</summary>
    private CancellationTokenSource Budget(CancellationToken cancel)
    {
        var left = TimeSpan.FromMinutes(minutes) - _clock.Elapsed - TimeSpan.FromSeconds(30 * Scale);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(left > TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
        return stop;
    }

    private void Say(string line)
    {
        log.WriteLine(line);
        log.Flush();
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Greedy exact-match accuracy on <paramref name="prompts"/>.</summary>
    private double Accuracy(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts, IReadOnlyList<int[]> ids)
    {
        var samples = PolicySamples.Generate(weights, tokenizer, ids, 0f, seed, pack.MaxCompletionTokens);
        int right = 0;
        for (int i = 0; i < prompts.Count; i++) if (pack.Reward(prompts[i], samples[i].Text) >= 1) right++;
        return (double)right / prompts.Count;
    }
}

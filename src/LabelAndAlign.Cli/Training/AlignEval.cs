using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// The whole alignment loop on a task pack, on the CPU, within a time budget: train a tokenizer
/// and SFT a tiny model on the pack's corpus; sample pairs from it and label them with the pack's
/// oracle; align (DPO on the pairs; PPO against a reward model trained on them; GRPO against the
/// pack's programmatic reward); then judge the aligned policy against its SFT start on held-out
/// prompts with the oracle.
/// </summary>
public sealed class AlignEval(ITaskPack pack, string algorithm, int seed, double minutes, TextWriter log)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public GptConfig ModelShape { get; init; } = new() { VocabSize = 512, BlockSize = 48, Channels = 64, Layers = 2, Heads = 4 };
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
    public string DpoLossType { get; init; } = "sigmoid";
    public float PpoKlCoef { get; init; } = 0.05f;

    /// <summary>PPO's rollout temperature; 1 here (TRL's default is 0.7) because the judge samples both policies at 1.</summary>
    public float PpoTemperature { get; init; } = 1f;
    public int HeldOutPrompts { get; init; } = 200;

    /// <summary>Receives every stage's metrics (stage name as a prefix: <c>sft/loss</c>, <c>dpo/rewards/margins</c>).</summary>
    public IMetricsSink? Metrics { get; init; }

    private IMetricsSink? Stage(string name) => Metrics is null ? null : new PrefixSink(Metrics, name + "/");

    private sealed class PrefixSink(IMetricsSink inner, string prefix) : IMetricsSink
    {
        public void Report(int step, string name, double value, DateTimeOffset time) => inner.Report(step, prefix + name, value, time);
    }

    /// <summary>Scale every stage down (tests); 1 = the full run.</summary>
    public double Scale { get; init; } = 1;

    private int S(int n) => Math.Max(2, (int)Math.Round(n * Scale));

    public sealed record Result(double? SftAccuracy, double? AccuracyAfter, double? RmHeldOutAccuracy, double Kl, double WinRate, double Seconds);

    public Result Run(CancellationToken cancel = default)
    {
        var tokenizer = BpeTrainer.Train(pack.TokenizerCorpus(seed), new BpeTrainerOptions { VocabSize = pack.TokenizerVocabSize });
        var shape = ModelShape with { VocabSize = tokenizer.VocabSize };
        var policy = new Gpt(shape, seed);
        Say($"tokenizer_vocab={tokenizer.VocabSize} params={policy.Parameters.Count}");

        // 1. SFT
        var sftRows = pack.SftCorpus(seed, S(SftExamples ?? (Arithmetic ? 20000 : 4000))).Select(e => ChatTemplate.Tokenize(tokenizer, e)).ToList();
        var sft = new SftTrainer(sftRows, tokenizer.PadId, shape);
        var sftRun = new Trainer(policy, sft, new TrainerOptions
        {
            MaxSteps = S(SftSteps ?? (Arithmetic ? 1500 : 400)), BatchSize = 32, LearningRate = 3e-3f, WarmupSteps = 20, MinLearningRateRatio = 0.1f, Seed = seed,
        }, Stage("sft")).Run(cancel);
        Say($"sft_loss={F(sftRun.LastMetrics["loss"])} sft_steps={sftRun.Step} t={F(_clock.Elapsed.TotalSeconds)}s");
        var sftWeights = Copy(policy.Parameters);

        var heldOut = pack.HeldOutPrompts(seed, S(HeldOutPrompts));
        var heldOutIds = heldOut.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var sftSamples = Generate(sftWeights, tokenizer, heldOutIds, 1f, seed + 7);
        double? sftAccuracy = null;
        if (pack is ArithmeticPack)
        {
            sftAccuracy = Accuracy(sftWeights, tokenizer, heldOut, heldOutIds);
            Say($"sft_accuracy={F(sftAccuracy.Value)}");
        }

        // 2. Align
        double? rmAccuracy = null;
        var budget = TimeSpan.FromMinutes(minutes) - _clock.Elapsed - TimeSpan.FromSeconds(30 * Scale);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        switch (algorithm)
        {
            case "dpo":
            {
                var pairs = LabelPairs(sftWeights, tokenizer, pack.Prompts(seed, S(4000)), seed + 11, out int ties);
                Say($"pairs={pairs.Count} ties_dropped={ties}");
                var dpo = new DpoTrainer(pairs, sftWeights, tokenizer.PadId, new DpoOptions { Beta = DpoBeta, RpoAlpha = RpoAlpha, LossType = DpoLoss.Parse(DpoLossType) });
                stop.CancelAfter(Positive(budget));
                var r = new Trainer(policy, dpo, new TrainerOptions
                {
                    MaxSteps = S(AlignSteps ?? 400), BatchSize = 32, LearningRate = AlignLearningRate ?? 1e-3f, WarmupSteps = 10, CosineSchedule = false, Seed = seed,
                }, Stage("dpo")).Run(stop.Token);
                Say($"dpo_steps={r.Step} rewards/accuracies={F(r.LastMetrics["rewards/accuracies"])} rewards/margins={F(r.LastMetrics["rewards/margins"])}");
                break;
            }
            case "grpo":
            {
                var reward = new FunctionReward(pack.Name, pack.Reward);
                var grpo = new GrpoTrainer(pack.Prompts(seed, S(2000)), tokenizer, [reward], sftWeights,
                    new GrpoOptions { NumGenerations = 8, MaxCompletionLength = pack.MaxCompletionTokens, Beta = 0.02f, Temperature = 1f }, seed);
                stop.CancelAfter(Positive(budget));
                var r = new Trainer(policy, grpo, new TrainerOptions
                {
                    MaxSteps = S(AlignSteps ?? (Arithmetic ? 4000 : 200)), BatchSize = 8, LearningRate = AlignLearningRate ?? (Arithmetic ? 3e-4f : 5e-4f), WarmupSteps = 5, CosineSchedule = false, Seed = seed,
                }, Stage("grpo")).Run(stop.Token);
                Say($"grpo_steps={r.Step} reward={F(r.LastMetrics["reward"])}");
                break;
            }
            case "ppo":
            {
                var pairs = LabelPairs(sftWeights, tokenizer, pack.Prompts(seed, S(4000)), seed + 11, out int ties);
                var heldPairs = LabelPairs(sftWeights, tokenizer, heldOut, seed + 13, out _);
                Say($"pairs={pairs.Count} heldout_pairs={heldPairs.Count} ties_dropped={ties}");
                var rmShape = shape with { ScalarHead = true };
                var rm = new Gpt(rmShape, seed + 3);
                CopyBody(sftWeights, rm.Parameters);
                new Trainer(rm, new RewardTrainer(pairs, tokenizer.PadId, rmShape, new RewardOptions { CenterRewardsCoefficient = 0.01 }),
                    new TrainerOptions { MaxSteps = S(600), BatchSize = 32, LearningRate = 1e-3f, WarmupSteps = 10, Seed = seed }, Stage("reward")).Run(cancel);
                rmAccuracy = RewardTrainer.Accuracy(rm, heldPairs, tokenizer.PadId);
                Say($"rm_heldout_accuracy={F(rmAccuracy.Value)}");
                budget = TimeSpan.FromMinutes(minutes) - _clock.Elapsed - TimeSpan.FromSeconds(30 * Scale);
                var ppo = new PpoTrainer(pack.Prompts(seed, S(2000)), tokenizer, new RewardModelFunction(rm, tokenizer.PadId), sftWeights,
                    new PpoOptions { MaxCompletionLength = pack.MaxCompletionTokens, KlCoef = PpoKlCoef, Temperature = PpoTemperature }, seed);
                stop.CancelAfter(Positive(budget));
                var r = new Trainer(policy, ppo, new TrainerOptions
                {
                    MaxSteps = S(AlignSteps ?? 800), BatchSize = 32, LearningRate = AlignLearningRate ?? 5e-4f, WarmupSteps = 5, CosineSchedule = false, Seed = seed,
                }, Stage("ppo")).Run(stop.Token);
                Say($"ppo_steps={r.Step} objective/scores={F(r.LastMetrics["objective/scores"])}");
                break;
            }
            default:
                throw new ArgumentException($"Unknown algorithm '{algorithm}'; expected dpo, ppo or grpo.");
        }

        // 3. Judge
        var after = Copy(policy.Parameters);
        double? accuracyAfter = null;
        if (pack is ArithmeticPack)
        {
            accuracyAfter = Accuracy(after, tokenizer, heldOut, heldOutIds);
            Say($"accuracy_after={F(accuracyAfter.Value)}");
        }
        var afterSamples = Generate(after, tokenizer, heldOutIds, 1f, seed + 7);
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
            Say($"sample: {heldOut[i].Prompt} | sft:{sftSamples[i].Text} | {algorithm}:{afterSamples[i].Text}");
        Say($"kl={F(kl)}");
        Say($"seconds={F(_clock.Elapsed.TotalSeconds)}");
        Say($"oracle_winrate_after={F(winRate)}");
        return new Result(sftAccuracy, accuracyAfter, rmAccuracy, kl, winRate, _clock.Elapsed.TotalSeconds);
    }

    private static TimeSpan Positive(TimeSpan t) => t > TimeSpan.FromSeconds(5) ? t : TimeSpan.FromSeconds(5);

    private void Say(string line)
    {
        log.WriteLine(line);
        log.Flush();
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    internal static ParameterTensors Copy(ParameterTensors p)
    {
        var c = p.CreateLike();
        p.Data.AsSpan().CopyTo(c.Data);
        return c;
    }

    /// <summary>Copies every tensor of the LM (all but the scalar head) from <paramref name="src"/> into <paramref name="dst"/>.</summary>
    internal static void CopyBody(ParameterTensors src, ParameterTensors dst)
    {
        for (int i = 0; i < ParameterTensors.Names.Length; i++)
            if (src.SizeOf(i) == dst.SizeOf(i) && src.SizeOf(i) > 0) src.Slice(i).CopyTo(dst.Slice(i));
    }

    internal sealed record Sample(int[] Ids, string Text, double LogProb);

    internal static List<Sample> Generate(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<int[]> prompts, float temperature, int seed, int maxNew = 24)
    {
        var cfg = weights.Config;
        int room = Math.Min(maxNew, cfg.BlockSize + 1 - prompts.Max(p => p.Length));
        var gen = new Sampler(new InferenceModel(weights)).Generate(prompts, new SamplingOptions
        {
            MaxNewTokens = room, Temperature = temperature, EosId = tokenizer.EosId, Seed = seed,
        });
        var list = new List<Sample>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            var t = gen.Tokens[i];
            string text = tokenizer.Decode(gen.Stopped[i] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
            list.Add(new Sample(t, text, gen.LogProbs[i].Sum(x => (double)x)));
        }
        return list;
    }

    /// <summary>Greedy exact-match accuracy on <paramref name="prompts"/>.</summary>
    private double Accuracy(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts, IReadOnlyList<int[]> ids)
    {
        var samples = Generate(weights, tokenizer, ids, 0f, seed, pack.MaxCompletionTokens);
        int right = 0;
        for (int i = 0; i < prompts.Count; i++) if (pack.Reward(prompts[i], samples[i].Text) >= 1) right++;
        return (double)right / prompts.Count;
    }

    private List<TokenizedPreference> LabelPairs(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts, int sampleSeed, out int ties) =>
        LabelPairs(pack, weights, tokenizer, prompts, sampleSeed, out ties);

    /// <summary>Two samples per prompt from <paramref name="weights"/>, labelled by the pack's oracle; ties dropped.</summary>
    internal static List<TokenizedPreference> LabelPairs(ITaskPack pack, ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts, int sampleSeed, out int ties)
    {
        var ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var a = Generate(weights, tokenizer, ids, 1f, sampleSeed, pack.MaxCompletionTokens);
        var b = Generate(weights, tokenizer, ids, 1f, sampleSeed + 1, pack.MaxCompletionTokens);
        var pairs = new List<TokenizedPreference>();
        ties = 0;
        for (int i = 0; i < prompts.Count; i++)
        {
            switch (pack.Prefer(prompts[i], a[i].Text, b[i].Text))
            {
                case Preference.First: pairs.Add(new TokenizedPreference(ids[i], a[i].Ids, b[i].Ids)); break;
                case Preference.Second: pairs.Add(new TokenizedPreference(ids[i], b[i].Ids, a[i].Ids)); break;
                default: ties++; break;
            }
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"The {pack.Name} oracle called all {prompts.Count} sampled pairs ties; the SFT model is too weak to sample from (train it longer).");
        return pairs;
    }
}

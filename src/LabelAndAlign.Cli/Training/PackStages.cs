using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Training;

/// <summary>The SFT start every alignment run of a pack experiment shares: its checkpoint, tokenizer and weights.</summary>
internal sealed record SftStart(string Checkpoint, BpeTokenizer Tokenizer, ParameterTensors Weights);

/// <summary>
/// The stages <c>lna align-eval</c> and <c>lna frontier</c> share on a task pack, each a run of the one recipe
/// (<see cref="RunFactory"/>) as the web app would train it: SFT a tiny model on the pack's corpus (its tokenizer
/// trained on the pack's text), oracle-labelled pairs sampled from it, a reward model on those pairs, and any alignment
/// run from the SFT checkpoint, each in its own folder under the work folder, on one clock for the budget.
/// </summary>
internal sealed class PackStages(ITaskPack pack, int seed, string work, TextWriter log)
{
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>The model: the tiny preset with 48 positions (the packs' prompts and answers are short).</summary>
    public int Positions { get; init; } = 48;

    /// <summary>Scale every stage down (tests); 1 = the full run.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Evaluation prompts each stage samples at its checkpoints (0 = none).</summary>
    public int EvalPrompts { get; init; }

    public ITaskPack Pack => pack;
    public int Seed => seed;
    public bool Arithmetic => pack is ArithmeticPack;

    public int S(int n) => Math.Max(2, (int)Math.Round(n * Scale));

    public sealed record Stage(RunOutcome Outcome, int VocabSize, long Parameters, string Folder);

    /// <summary>SFT on the pack's corpus; null counts take the pack's defaults (arithmetic needs longer to learn to add at all).</summary>
    public SftStart Sft(int? steps, int? examples, CancellationToken cancel)
    {
        var sft = Train("sft", Spec(new SftOptions(), new TrainerOptions
        {
            MaxSteps = S(steps ?? (Arithmetic ? 1500 : 400)), BatchSize = 32, LearningRate = 3e-3f, WarmupSteps = 20, MinLearningRateRatio = 0.1f,
        }), PackRows.Sft(pack, seed, S(examples ?? (Arithmetic ? 20000 : 4000))), null, null, cancel);
        string checkpoint = sft.Outcome.Result.LastCheckpoint!;
        Say($"tokenizer_vocab={sft.VocabSize} params={sft.Parameters}");
        Say($"sft_loss={F(sft.Outcome.Result.LastMetrics["loss"])} sft_steps={sft.Outcome.Result.Step} t={F(Clock.Elapsed.TotalSeconds)}s");
        return new SftStart(checkpoint, TokenizerFiles.Load(checkpoint), Checkpoint.Load(checkpoint).Parameters);
    }

    /// <summary>Two samples of the SFT model per training prompt, labelled by the pack's oracle (ties dropped).</summary>
    public List<PreferenceExample> OraclePairs(SftStart sft, int prompts = 4000)
    {
        var pairs = Training.OraclePairs.FromModel(pack, sft.Weights, sft.Tokenizer, pack.Prompts(seed, S(prompts)), seed + 11, out int ties);
        Say($"pairs={pairs.Count} ties_dropped={ties}");
        return pairs;
    }

    /// <summary>A reward model trained on <paramref name="pairs"/> from the SFT checkpoint, with its accuracy on held-out oracle pairs.</summary>
    public (string Checkpoint, double HeldOutAccuracy) RewardModel(SftStart sft, List<PreferenceExample> pairs, IReadOnlyList<PromptExample> heldOut, CancellationToken cancel)
    {
        var heldPairs = Training.OraclePairs.FromModel(pack, sft.Weights, sft.Tokenizer, heldOut, seed + 13, out _);
        Say($"heldout_pairs={heldPairs.Count}");
        var rm = Train("reward", Spec(new RewardOptions { CenterRewardsCoefficient = 0.01 }, new TrainerOptions
        {
            MaxSteps = S(600), BatchSize = 32, LearningRate = 1e-3f, WarmupSteps = 10,
        }), pairs.Select(PackRows.Row).ToList(), sft.Checkpoint, null, cancel);
        string checkpoint = rm.Outcome.Result.LastCheckpoint!;
        var tokenizer = sft.Tokenizer;
        double accuracy = RewardTrainer.Accuracy(new Gpt(Checkpoint.Load(checkpoint).Parameters), heldPairs.Select(p => new TokenizedPreference(
            ChatTemplate.EncodePrompt(tokenizer, p.Prompt), ChatTemplate.EncodeCompletion(tokenizer, p.Chosen), ChatTemplate.EncodeCompletion(tokenizer, p.Rejected))).ToList(),
            tokenizer.PadId);
        Say($"rm_heldout_accuracy={F(accuracy)}");
        return (checkpoint, accuracy);
    }

    /// <summary>
    /// A stage's spec: the tiny preset with short positions, the experiment's seed, a checkpoint every <paramref name="saveSteps"/>
    /// (0 = only at the end), all kept; the key table's bounds apply.
    /// </summary>
    public RunSpec Spec(AlgorithmOptions options, TrainerOptions trainer, int saveSteps = 0)
    {
        var spec = new RunSpec(options)
        {
            Trainer = trainer with { Seed = seed, SaveSteps = saveSteps, SaveTotalLimit = 0 }, Model = "tiny", NPositions = Positions, NumEvalPrompts = EvalPrompts,
        };
        return RunSpecs.Parse(spec.Algorithm, RunSpecs.ToJson(spec), CliBackends.Registry);
    }

    /// <summary>Trains <paramref name="spec"/> in <c>&lt;work&gt;/&lt;name&gt;</c> on the pack's rows, as the web app's worker would.</summary>
    public Stage Train(string name, RunSpec spec, List<JsonObject> rows, string? baseCheckpoint, string? rewardCheckpoint, CancellationToken cancel)
    {
        string folder = Path.Combine(work, name);
        using var reporter = new JsonlRunReporter(folder);
        using var run = CliBackends.Factory.Prepare(new RunInputs
        {
            Spec = spec, Rows = rows, Source = $"the {pack.Name} pack", Pack = pack, BaseCheckpoint = baseCheckpoint, RewardCheckpoint = rewardCheckpoint,
            OutputFolder = folder, EvalPrompts = pack.HeldOutPrompts(seed, spec.NumEvalPrompts),
            TokenizerCorpus = () => [pack.TokenizerCorpus(seed)], TokenizerVocabSize = pack.TokenizerVocabSize,
        }, reporter, cancel);
        var outcome = run.Run(cancel);
        var vocab = TokenizerFiles.Load(outcome.Result.LastCheckpoint!).VocabSize;
        return new Stage(outcome, vocab, run.Inner.ParameterCount, folder);
    }

    /// <summary>A token that stops a stage <paramref name="seconds"/> from now (at least 5 s), with a checkpoint, as a cancel does.</summary>
    public static CancellationTokenSource Budget(double seconds, CancellationToken cancel)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(TimeSpan.FromSeconds(Math.Max(5, seconds)));
        return stop;
    }

    /// <summary>Greedy exact-match accuracy on <paramref name="prompts"/>.</summary>
    public double Accuracy(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts)
    {
        var ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var samples = PolicySamples.Generate(weights, tokenizer, ids, 0f, seed, pack.MaxCompletionTokens);
        int right = 0;
        for (int i = 0; i < prompts.Count; i++) if (pack.Reward(prompts[i], samples[i].Text) >= 1) right++;
        return (double)right / prompts.Count;
    }

    public void Say(string line)
    {
        log.WriteLine(line);
        log.Flush();
    }

    public static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}

using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Online DPO, as TRL's OnlineDPOTrainer: each step trains DPO (<see cref="DpoBatchLoss"/>) against the frozen reference
/// on pairs sampled from the policy itself and labeled by its <see cref="IOnlineLabels"/> — a judge at once every step
/// (<see cref="JudgeLabels"/>: the task pack's oracle playing the labeler, or a reward model; samples seeded by
/// (seed, step), so a resume repeats them), or people in rounds (<see cref="PeopleLabels"/>). Pairs without a
/// preference are left out of the loss. Because the pairs come from the policy as it improves, a longer budget keeps
/// teaching it, where offline DPO's fixed pairs run out. Metrics add TRL's <c>objective/kl</c> (mean Σ log π_θ − log π_ref
/// of the pairs' completions) and what the label source records.
/// </summary>
public sealed class OnlineDpoTrainer : ITrainingAlgorithm, IDisposable
{
    private readonly IReadOnlyList<PromptExample> _prompts;
    private readonly int[][] _promptIds;
    private readonly ITokenizer _tokenizer;
    private readonly IOnlineLabels _labels;
    private readonly IFrozenGpt _reference;
    private readonly int _seed;
    private StepPair?[] _step = [];
    private int _cursor;
    private double _tokensSeen;

    /// <summary>Online DPO whose judge labels every step's samples at once.</summary>
    public OnlineDpoTrainer(IReadOnlyList<PromptExample> prompts, ITokenizer tokenizer, IJudge judge, ParameterTensors reference, DpoOptions options,
        int seed = 1, IGptEngine? engine = null)
        : this(prompts, tokenizer, new JudgeLabels(judge), reference, options, seed, engine)
    {
    }

    public OnlineDpoTrainer(IReadOnlyList<PromptExample> prompts, ITokenizer tokenizer, IOnlineLabels labels, ParameterTensors reference, DpoOptions options,
        int seed = 1, IGptEngine? engine = null)
    {
        Options = options;
        Options.Validate();
        if (!options.Online) throw new ArgumentException("OnlineDpoTrainer trains online DPO; set online: true, or train offline pairs with DpoTrainer.");
        if (prompts.Count == 0) throw new ArgumentException("Online DPO needs at least one prompt.");
        _prompts = prompts;
        _tokenizer = tokenizer;
        _promptIds = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToArray();
        _labels = labels;
        _reference = (engine ?? NativeGptEngine.Instance).Frozen(reference);
        _seed = seed;
    }

    public DpoOptions Options { get; }
    public string Name => Recipe.Algorithm.Dpo.WireName();
    public int ExampleCount => _prompts.Count;

    public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel)
    {
        _cursor = 0;
        var online = new OnlineStep(step, examples, metrics, _prompts, _promptIds, _tokenizer, model.Config.BlockSize,
            (ids, seedStep, c) => Generate(model, ids, seedStep, c), _reference);
        _step = _labels.PairsFor(online, cancel).ToArray();
        if (_step.Length != examples.Count)
            throw new InvalidOperationException($"The label source gave {_step.Length} pairs for a step of {examples.Count} examples.");
        metrics.Set("beta", Options.Beta);
    }

    private GenerationResult Generate(ITrainableGpt model, IReadOnlyList<int[]> ids, int seedStep, CancellationToken cancel)
    {
        int longest = ids.Max(p => p.Length);
        int maxNew = Math.Min(Options.MaxNewTokens, model.Config.BlockSize + 1 - longest);
        if (maxNew <= 0) throw new ArgumentException($"A prompt of {longest} tokens leaves no room to sample in the block size {model.Config.BlockSize}.");
        return model.Sampler().Generate(ids, new SamplingOptions
        {
            MaxNewTokens = maxNew, Temperature = Options.Temperature, EosId = _tokenizer.EosId, Seed = unchecked(_seed * 1_000_033 + seedStep),
        }, cancel);
    }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        int first = _cursor;
        _cursor += examples.Length;
        if (_cursor > _step.Length) throw new InvalidOperationException($"Online DPO judged {_step.Length} prompts this step but was asked for {_cursor}; BeginStep must see every example of the step.");
        var labeled = _step.AsSpan(first, examples.Length).ToArray().OfType<StepPair>().ToList();
        if (labeled.Count == 0) return 0; // no pair of this micro-batch has a preference: nothing to learn from it
        var result = DpoBatchLoss.Accumulate(model, labeled.Select(l => l.Pair).ToList(), labeled.Select(l => l.RefChosen).ToList(),
            labeled.Select(l => l.RefRejected).ToList(), Options, _tokenizer.PadId, model.Config.BlockSize, lossScale, metrics);
        double refSum = labeled.Sum(l => l.RefChosen + l.RefRejected);
        metrics.Mean("objective/kl", (result.PolicyChosen + result.PolicyRejected - refSum) / (2 * labeled.Count), lossScale);
        _tokensSeen += result.Tokens;
        metrics.Set("num_tokens", _tokensSeen);
        return result.Loss;
    }

    public string? SaveState() => $"{{\"num_tokens\":{_tokensSeen.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";

    public void LoadState(string state) => _tokensSeen = System.Text.Json.Nodes.JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;

    public void Dispose() => _reference.Dispose();
}

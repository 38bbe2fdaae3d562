using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Training;

/// <summary>DPO settings (TRL's names and defaults, except where tiny models need otherwise).</summary>
public sealed record DpoOptions : AlgorithmOptions
{
    public override Recipe.Algorithm Algorithm => Recipe.Algorithm.Dpo;

    /// <summary>β: strength of the implicit KL to the reference (TRL default 0.1).</summary>
    public double Beta { get; init; } = 0.1;

    public DpoLossType LossType { get; init; } = DpoLossType.Sigmoid;

    /// <summary>ε for cDPO (sigmoid) and robust; must be in [0, 0.5).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>
    /// TRL's rpo_alpha: adds α × the chosen responses' token-mean NLL (RPO), which keeps a small
    /// model writing fluent text while the preference term moves it; 0 = plain DPO.
    /// </summary>
    public double RpoAlpha { get; init; }

    /// <summary>Pairs whose prompt + longer response exceed this many tokens are dropped.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>
    /// Online DPO (TRL's OnlineDPOTrainer): each step samples two completions per prompt from the current policy, a
    /// judge (the task pack's oracle or a reward model) picks the better, and DPO trains on those pairs. The dataset
    /// gives prompts only.
    /// </summary>
    public bool Online { get; init; }

    /// <summary>Online: tokens sampled per completion at most (TRL's default 64).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Online: sampling temperature of the two completions (TRL's default 0.9).</summary>
    public float Temperature { get; init; } = 0.9f;

    /// <summary>Online: who labels the sampled pairs — the reward model or the task pack's oracle at once, or people in a labeling project.</summary>
    public OnlineJudge Judge { get; init; }

    /// <summary>Online with people: the labeling project the rounds' pairs go to (the web app's project id).</summary>
    public int? LabelProject { get; init; }

    /// <summary>Online with people: a new round of pairs is sampled every this many steps.</summary>
    public int LabelEvery { get; init; } = 10;

    /// <summary>Online with people: pairs (prompts, two completions each) sampled per round.</summary>
    public int LabelPairs { get; init; } = 8;

    /// <summary>Most pairs a round may ask people for.</summary>
    public const int MaxLabelPairs = 256;

    public override void Validate()
    {
        if (!(Beta > 0) || double.IsInfinity(Beta)) throw new ArgumentException($"beta must be positive, found {Beta}.");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 0.5)) throw new ArgumentException($"label_smoothing must be in [0, 0.5), found {LabelSmoothing}.");
        if (LossType is DpoLossType.Ipo or DpoLossType.Hinge && LabelSmoothing != 0)
            throw new ArgumentException($"label_smoothing applies to the sigmoid and robust losses, not {LossType}.");
        if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2, found {MaxLength}.");
        if (!(RpoAlpha >= 0)) throw new ArgumentException($"rpo_alpha must be ≥ 0, found {RpoAlpha}.");
        if (MaxNewTokens <= 0) throw new ArgumentException($"max_new_tokens must be positive, found {MaxNewTokens}.");
        if (!(Temperature > 0)) throw new ArgumentException($"temperature must be positive, found {Temperature}.");
        if (Judge == OnlineJudge.People)
        {
            if (!Online) throw new ArgumentException("judge people labels pairs sampled online; set online: true.");
            if (LabelProject is not > 0) throw new ArgumentException("label_project is needed when people judge: choose the labeling project whose labelers judge the pairs.");
            if (LabelEvery < 1) throw new ArgumentException($"label_every must be at least 1 step, found {LabelEvery}.");
            if (LabelPairs is < 1 or > MaxLabelPairs) throw new ArgumentException($"label_pairs must be 1 to {MaxLabelPairs}, found {LabelPairs}.");
        }
    }
}

/// <summary>Who labels online DPO's sampled pairs.</summary>
public enum OnlineJudge
{
    /// <summary>At once, every step: the run's reward model when it has one, else the task pack's oracle.</summary>
    Auto,

    /// <summary>People, in a labeling project: every label_every steps a round of pairs becomes items, and the run trains on what they labeled.</summary>
    People,
}

/// <summary>A tokenized preference pair: shared prompt, chosen and rejected completions (each ending with EOS).</summary>
public sealed record TokenizedPreference(int[] Prompt, int[] Chosen, int[] Rejected, float Margin = 0)
{
    public TokenizedPair ChosenPair => new(Prompt, Chosen);
    public TokenizedPair RejectedPair => new(Prompt, Rejected);
}

/// <summary>
/// Direct preference optimisation. Reference log-probs are computed once, up front, from a frozen
/// copy of the starting weights (the reference never changes, so that is exact). Metrics use
/// TRL's names: loss, rewards/chosen|rejected|margins|accuracies, logps/chosen|rejected,
/// logits/chosen|rejected, num_tokens.
/// </summary>
public sealed class DpoTrainer : ITrainingAlgorithm
{
    private readonly List<TokenizedPreference> _pairs;
    private readonly double[] _refChosen;
    private readonly double[] _refRejected;
    private readonly int _padId;
    private readonly int _blockSize;
    private double _tokensSeen;

    /// <param name="reference">The frozen reference (usually the SFT weights; pass a copy, not the live model's block).</param>
    /// <param name="cancel">stops the up-front reference pass over every pair (long for a big dataset)</param>
    /// <param name="engine">computes the reference pass (the run's engine; the native one by default)</param>
    public DpoTrainer(IReadOnlyList<TokenizedPreference> pairs, ParameterTensors reference, int padId, DpoOptions? options = null,
        CancellationToken cancel = default, IGptEngine? engine = null)
    {
        Options = options ?? new DpoOptions();
        Options.Validate();
        _padId = padId;
        _blockSize = reference.Config.BlockSize;
        int max = Math.Min(Options.MaxLength, _blockSize + 1);
        _pairs = pairs.Where(p => p.Prompt.Length + Math.Max(p.Chosen.Length, p.Rejected.Length) <= max && p.Chosen.Length > 0 && p.Rejected.Length > 0).ToList();
        if (_pairs.Count == 0) throw new ArgumentException($"No preference pair fits max_length {max}; all {pairs.Count} were dropped.");
        DroppedPairs = pairs.Count - _pairs.Count;
        using var scorer = (engine ?? NativeGptEngine.Instance).Frozen(reference);
        var c = scorer.LogProbs(_pairs.Select(p => p.Prompt).ToList(), _pairs.Select(p => p.Chosen).ToList(), cancel);
        var r = scorer.LogProbs(_pairs.Select(p => p.Prompt).ToList(), _pairs.Select(p => p.Rejected).ToList(), cancel);
        _refChosen = c.Select(x => x.Sum).ToArray();
        _refRejected = r.Select(x => x.Sum).ToArray();
    }

    public DpoOptions Options { get; }
    public string Name => Recipe.Algorithm.Dpo.WireName();
    public int ExampleCount => _pairs.Count;

    /// <summary>Pairs dropped for exceeding max_length.</summary>
    public int DroppedPairs { get; }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        var pairs = new TokenizedPreference[examples.Length];
        var refChosen = new double[examples.Length];
        var refRejected = new double[examples.Length];
        for (int i = 0; i < examples.Length; i++)
        {
            pairs[i] = _pairs[examples[i]];
            refChosen[i] = _refChosen[examples[i]];
            refRejected[i] = _refRejected[examples[i]];
        }
        var step = DpoBatchLoss.Accumulate(model, pairs, refChosen, refRejected, Options, _padId, _blockSize, lossScale, metrics);
        _tokensSeen += step.Tokens;
        metrics.Set("num_tokens", _tokensSeen);
        return step.Loss;
    }

    public string? SaveState() => $"{{\"num_tokens\":{_tokensSeen.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";

    public void LoadState(string state) => _tokensSeen = System.Text.Json.Nodes.JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;
}

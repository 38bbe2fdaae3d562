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

    public override void Validate()
    {
        if (!(Beta > 0) || double.IsInfinity(Beta)) throw new ArgumentException($"beta must be positive, found {Beta}.");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 0.5)) throw new ArgumentException($"label_smoothing must be in [0, 0.5), found {LabelSmoothing}.");
        if (LossType is DpoLossType.Ipo or DpoLossType.Hinge && LabelSmoothing != 0)
            throw new ArgumentException($"label_smoothing applies to the sigmoid and robust losses, not {LossType}.");
        if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2, found {MaxLength}.");
        if (!(RpoAlpha >= 0)) throw new ArgumentException($"rpo_alpha must be ≥ 0, found {RpoAlpha}.");
    }
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
        int m = examples.Length;
        var rows = new TokenizedPair[2 * m];
        for (int i = 0; i < m; i++)
        {
            rows[i] = _pairs[examples[i]].ChosenPair;
            rows[m + i] = _pairs[examples[i]].RejectedPair;
        }
        var batch = SequenceBatch.Build(rows, _padId, _blockSize);
        var pass = model.Policy(batch);
        var dLogp = new float[batch.B * batch.T];
        double beta = Options.Beta, loss = 0, rc = 0, rr = 0, acc = 0, lpc = 0, lpr = 0, lgc = 0, lgr = 0;
        for (int i = 0; i < m; i++)
        {
            int e = examples[i];
            double pc = pass.SequenceLogProb(i), pr = pass.SequenceLogProb(m + i);
            var (l, dc, dr) = DpoLoss.Pair(Options.LossType, beta, Options.LabelSmoothing, pc, pr, _refChosen[e], _refRejected[e],
                batch.CompletionTokens[i], batch.CompletionTokens[m + i]);
            loss += l;
            foreach (int t in pass.Positions(i)) dLogp[t] = (float)(dc * lossScale / m);
            foreach (int t in pass.Positions(m + i)) dLogp[t] = (float)(dr * lossScale / m);
            double rewardC = beta * (pc - _refChosen[e]), rewardR = beta * (pr - _refRejected[e]);
            rc += rewardC;
            rr += rewardR;
            if (rewardC > rewardR) acc++;
            lpc += pc;
            lpr += pr;
            lgc += pass.RowSum(i, pass.MeanLogit) / Math.Max(1, batch.CompletionTokens[i]);
            lgr += pass.RowSum(m + i, pass.MeanLogit) / Math.Max(1, batch.CompletionTokens[m + i]);
        }
        loss /= m;
        if (Options.RpoAlpha > 0)
        {
            // NLL of the chosen responses, mean over their tokens (TRL's policy_nll_loss).
            int tokens = 0;
            double nll = 0;
            for (int i = 0; i < m; i++) tokens += batch.CompletionTokens[i];
            float g = (float)(-Options.RpoAlpha * lossScale / Math.Max(1, tokens));
            for (int i = 0; i < m; i++)
                foreach (int t in pass.Positions(i))
                {
                    nll -= pass.LogProb[t];
                    dLogp[t] += g;
                }
            nll /= Math.Max(1, tokens);
            metrics.Mean("nll_loss", nll, lossScale);
            loss += Options.RpoAlpha * nll;
        }
        pass.Backward(dLogp);
        metrics.Mean("loss", loss, lossScale);
        metrics.Mean("rewards/chosen", rc / m, lossScale);
        metrics.Mean("rewards/rejected", rr / m, lossScale);
        metrics.Mean("rewards/margins", (rc - rr) / m, lossScale);
        metrics.Mean("rewards/accuracies", acc / m, lossScale);
        metrics.Mean("logps/chosen", lpc / m, lossScale);
        metrics.Mean("logps/rejected", lpr / m, lossScale);
        metrics.Mean("logits/chosen", lgc / m, lossScale);
        metrics.Mean("logits/rejected", lgr / m, lossScale);
        foreach (var r in rows) _tokensSeen += r.Length;
        metrics.Set("num_tokens", _tokensSeen);
        return loss;
    }

    public string? SaveState() => $"{{\"num_tokens\":{_tokensSeen.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";

    public void LoadState(string state) => _tokensSeen = System.Text.Json.Nodes.JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;
}

using System.Globalization;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Training;

/// <summary>Reward-model settings (TRL's names).</summary>
public sealed record RewardOptions : AlgorithmOptions
{
    public override Recipe.Algorithm Algorithm => Recipe.Algorithm.Reward;

    /// <summary>Pairs longer than this are dropped, not truncated (TRL's rule).</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>c in c·mean((r+ + r−)²), keeping rewards centred on 0; TRL suggests 0.01, default off.</summary>
    public double CenterRewardsCoefficient { get; init; }

    /// <summary>Subtract each pair's margin inside the sigmoid.</summary>
    public bool UseMargin { get; init; } = true;

    public override void Validate()
    {
        if (MaxLength < 1) throw new ArgumentException($"max_length must be positive, found {MaxLength}.");
        if (!(CenterRewardsCoefficient >= 0)) throw new ArgumentException($"center_rewards_coefficient must be ≥ 0, found {CenterRewardsCoefficient}.");
    }
}

/// <summary>
/// Bradley–Terry reward model: the scalar head read at each sequence's final token (EOS),
/// loss −log σ(r+ − r− − margin) (+ centring). The model needs <see cref="GptConfig.ScalarHead"/>.
/// Metrics: loss, accuracy, min_reward, mean_reward, max_reward, margin, num_tokens.
/// </summary>
public sealed class RewardTrainer : ITrainingAlgorithm
{
    private readonly List<TokenizedPreference> _pairs;
    private readonly int _padId;
    private readonly int _blockSize;
    private double _tokensSeen;

    public RewardTrainer(IReadOnlyList<TokenizedPreference> pairs, int padId, GptConfig config, RewardOptions? options = null)
    {
        Options = options ?? new RewardOptions();
        Options.Validate();
        if (!config.ScalarHead) throw new ArgumentException("A reward model needs a scalar head: set GptConfig.ScalarHead = true.");
        _padId = padId;
        _blockSize = config.BlockSize;
        int max = Math.Min(Options.MaxLength, _blockSize);
        _pairs = pairs.Where(p => p.Prompt.Length + Math.Max(p.Chosen.Length, p.Rejected.Length) <= max).ToList();
        if (_pairs.Count == 0) throw new ArgumentException($"No preference pair fits max_length {max}; all {pairs.Count} were dropped.");
        DroppedPairs = pairs.Count - _pairs.Count;
    }

    public RewardOptions Options { get; }
    public string Name => Recipe.Algorithm.Reward.WireName();
    public int ExampleCount => _pairs.Count;
    public int DroppedPairs { get; }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        int m = examples.Length;
        var rows = new TokenizedPair[2 * m];
        var margins = new float[m];
        for (int i = 0; i < m; i++)
        {
            var p = _pairs[examples[i]];
            rows[i] = p.ChosenPair;
            rows[m + i] = p.RejectedPair;
            margins[i] = Options.UseMargin ? p.Margin : 0;
        }
        var batch = SequenceBatch.Build(rows, _padId, _blockSize, scoreLastToken: true);
        var pass = model.Scores(batch);
        var s = pass.Values;
        var dc = new double[m];
        var dr = new double[m];
        double loss = RewardLoss.Compute(s.AsSpan(0, m), s.AsSpan(m, m), margins, Options.CenterRewardsCoefficient, dc, dr);
        var ds = new float[2 * m];
        for (int i = 0; i < m; i++)
        {
            ds[i] = (float)(dc[i] * lossScale);
            ds[m + i] = (float)(dr[i] * lossScale);
        }
        pass.Backward(ds);
        double acc = 0, margin = 0;
        for (int i = 0; i < m; i++)
        {
            if (s[i] > s[m + i]) acc++;
            margin += s[i] - s[m + i];
        }
        metrics.Mean("loss", loss, lossScale);
        metrics.Mean("accuracy", acc / m, lossScale);
        metrics.Mean("min_reward", s.Min(), lossScale);
        metrics.Mean("mean_reward", s.Average(), lossScale);
        metrics.Mean("max_reward", s.Max(), lossScale);
        metrics.Mean("margin", margin / m, lossScale);
        foreach (var r in rows) _tokensSeen += r.Length;
        metrics.Set("num_tokens", _tokensSeen);
        return loss;
    }

    /// <summary>Scores of prompt+completion rows (each completion ending in EOS), in batches.</summary>
    public static float[] Score(Gpt rewardModel, IReadOnlyList<TokenizedPair> rows, int padId, int batchSize = 32)
    {
        var scores = new float[rows.Count];
        for (int s = 0; s < rows.Count; s += batchSize)
        {
            var chunk = rows.Skip(s).Take(batchSize).ToList();
            var batch = SequenceBatch.Build(chunk, padId, rewardModel.Config.BlockSize, scoreLastToken: true);
            rewardModel.Forward(batch.Inputs, batch.B, batch.T, batch.LastPosition, computeLogits: false);
            rewardModel.Scalars.CopyTo(scores.AsSpan(s, chunk.Count));
        }
        return scores;
    }

    /// <summary>Fraction of pairs whose chosen response scores higher (held-out accuracy).</summary>
    public static double Accuracy(Gpt rewardModel, IReadOnlyList<TokenizedPreference> pairs, int padId)
    {
        var c = Score(rewardModel, pairs.Select(p => p.ChosenPair).ToList(), padId);
        var r = Score(rewardModel, pairs.Select(p => p.RejectedPair).ToList(), padId);
        int right = 0;
        for (int i = 0; i < c.Length; i++) if (c[i] > r[i]) right++;
        return pairs.Count == 0 ? double.NaN : (double)right / pairs.Count;
    }

    public string? SaveState() => $"{{\"num_tokens\":{_tokensSeen.ToString(CultureInfo.InvariantCulture)}}}";

    public void LoadState(string state) => _tokensSeen = System.Text.Json.Nodes.JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;
}

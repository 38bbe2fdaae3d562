using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Training;

/// <summary>SFT settings (TRL's names). Learning rate, batch and steps live in <see cref="TrainerOptions"/>.</summary>
public sealed record SftOptions : AlgorithmOptions
{
    public override Recipe.Algorithm Algorithm => Recipe.Algorithm.Sft;

    /// <summary>Sequences are truncated to this many tokens (TRL default 1024; capped by the block size + 1).</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Concatenate examples into rows of up to MaxLength tokens (each keeps its own prompt mask).</summary>
    public bool Packing { get; init; }

    public override void Validate()
    {
        if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2 (one input, one target), found {MaxLength}.");
    }
}

/// <summary>
/// Supervised fine-tuning: cross-entropy on completion tokens only (prompt and padding masked),
/// mean over the step's trained tokens (so accumulated micro-batches equal one big batch). The
/// completion's EOS is a target like any other token. Metrics: loss, entropy,
/// mean_token_accuracy, num_tokens (cumulative), plus the trainer's grad_norm and learning_rate.
/// </summary>
public sealed class SftTrainer : ITrainingAlgorithm
{
    private readonly List<TokenizedPair> _rows;
    private readonly int _padId;
    private readonly int _blockSize;
    private double _tokensSeen;

    public SftTrainer(IReadOnlyList<TokenizedPair> examples, int padId, GptConfig config, SftOptions? options = null)
    {
        Options = options ?? new SftOptions();
        Options.Validate();
        if (examples.Count == 0) throw new ArgumentException("SFT needs at least one example.");
        _padId = padId;
        _blockSize = config.BlockSize;
        int max = Math.Min(Options.MaxLength, _blockSize + 1);
        var truncated = examples.Select(e => Truncate(e, max)).Where(e => e.Completion.Length > 0).ToList();
        if (truncated.Count == 0) throw new ArgumentException($"Every example's prompt fills max_length ({max}); nothing is left to train on.");
        _rows = Options.Packing ? Pack(truncated, max) : truncated;
    }

    public SftOptions Options { get; }
    public string Name => Recipe.Algorithm.Sft.WireName();
    public int ExampleCount => _rows.Count;

    /// <summary>The rows trained on (after truncation and packing).</summary>
    public IReadOnlyList<TokenizedPair> Rows => _rows;

    public double Weight(ReadOnlySpan<int> examples)
    {
        double n = 0;
        foreach (int i in examples)
        {
            var r = _rows[i];
            n += r.CompletionMask is null ? r.Completion.Length : r.CompletionMask.Count(m => m);
        }
        return n;
    }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        var rows = new TokenizedPair[examples.Length];
        for (int i = 0; i < rows.Length; i++) rows[i] = _rows[examples[i]];
        var batch = SequenceBatch.Build(rows, _padId, _blockSize);
        var pass = model.Policy(batch);
        int n = batch.TargetCount;
        var dLogp = new float[batch.B * batch.T];
        double nll = 0, entropy = 0, correct = 0;
        float g = -lossScale / n;
        for (int i = 0; i < dLogp.Length; i++)
        {
            if (batch.Targets[i] == TokenLogits.Ignore) continue;
            nll -= pass.LogProb[i];
            entropy += pass.Entropy[i];
            if (pass.Correct[i]) correct++;
            dLogp[i] = g;
        }
        pass.Backward(dLogp);
        double loss = nll / n;
        metrics.Mean("loss", loss, lossScale);
        metrics.Mean("entropy", entropy / n, lossScale);
        metrics.Mean("mean_token_accuracy", correct / n, lossScale);
        int real = 0;
        foreach (var r in rows) real += r.Length;
        _tokensSeen += real;
        metrics.Set("num_tokens", _tokensSeen);
        return loss;
    }

    public string? SaveState() => new JsonObject { ["num_tokens"] = _tokensSeen }.ToJsonString();

    public void LoadState(string state) => _tokensSeen = JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;

    private static TokenizedPair Truncate(TokenizedPair e, int max)
    {
        if (e.Length <= max) return e;
        int keep = Math.Max(0, max - e.Prompt.Length);
        if (keep == 0) return e with { Completion = [], CompletionMask = null };
        return e with { Completion = e.Completion[..keep], CompletionMask = e.CompletionMask?[..keep] };
    }

    /// <summary>Greedy first-fit in data order: the first example's prompt opens the row, later prompts ride in the completion, masked.</summary>
    private static List<TokenizedPair> Pack(List<TokenizedPair> rows, int max)
    {
        var packed = new List<TokenizedPair>();
        int i = 0;
        while (i < rows.Count)
        {
            var first = rows[i++];
            var tokens = new List<int>(first.Completion);
            var mask = new List<bool>(first.CompletionMask ?? Enumerable.Repeat(true, first.Completion.Length).ToArray());
            while (i < rows.Count && first.Prompt.Length + tokens.Count + rows[i].Length <= max)
            {
                var r = rows[i++];
                tokens.AddRange(r.Prompt);
                mask.AddRange(Enumerable.Repeat(false, r.Prompt.Length));
                tokens.AddRange(r.Completion);
                mask.AddRange(r.CompletionMask ?? Enumerable.Repeat(true, r.Completion.Length).ToArray());
            }
            packed.Add(new TokenizedPair(first.Prompt, tokens.ToArray(), mask.ToArray()));
        }
        return packed;
    }
}

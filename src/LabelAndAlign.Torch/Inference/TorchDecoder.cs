using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Inference;

// B = rows, S = tokens per row in one call, V = vocab
/// <summary>
/// <see cref="TorchGpt"/> over a <see cref="TorchKvCache"/>, stepped by the engine's <see cref="Sampler"/>.
/// Prefill runs every prompt right-padded in one batch; a decode step runs every row of the cache
/// (finished rows get a dummy token and keep their length) so the cache is never gathered or
/// compacted, and returns the logits of the rows asked for.
/// </summary>
public sealed class TorchDecoder : IKvDecoder, IDisposable
{
    private readonly TorchGpt _model;
    private readonly TorchKvCache _cache;
    private readonly long[] _step;
    private readonly int[] _advance;

    public TorchDecoder(TorchGpt model, int batch, int capacity)
    {
        _model = model;
        _cache = new TorchKvCache(model.Config, batch, capacity, model.Device);
        _step = new long[batch];
        _advance = new int[batch];
    }

    /// <summary>A sampler over <paramref name="model"/>: the engine's token choice, this engine's forward passes.</summary>
    public static Sampler Sampler(TorchGpt model) => new(model.Config, (batch, capacity) => new TorchDecoder(model, batch, capacity));

    public int Length(int row) => _cache.Length(row);

    public void Prefill(IReadOnlyList<int[]> prompts, Span<float> lastLogits)
    {
        int b = prompts.Count, v = _model.Config.VocabSize;
        if (b > _cache.Batch) throw new ArgumentException($"{prompts.Count} prompts exceed the cache's {_cache.Batch} rows.");
        int longest = 0;
        for (int r = 0; r < b; r++)
        {
            if (prompts[r].Length == 0) throw new ArgumentException($"Prompt {r} is empty; every row needs at least one token.");
            if (prompts[r].Length > _cache.Capacity) throw new ArgumentException($"Prompt {r} has {prompts[r].Length} tokens; the cache holds {_cache.Capacity}.");
            longest = Math.Max(longest, prompts[r].Length);
        }
        _cache.Clear();
        var ids = new long[_cache.Batch * longest];
        var last = new long[_cache.Batch];
        Array.Clear(_advance);
        for (int r = 0; r < b; r++)
        {
            for (int t = 0; t < prompts[r].Length; t++) ids[r * longest + t] = CheckId(prompts[r][t]);
            last[r] = prompts[r].Length - 1;
            _advance[r] = prompts[r].Length;
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var tokens = tensor(ids, [_cache.Batch, longest], ScalarType.Int64, _model.Device);
        var hidden = _model.Hidden(tokens, _cache); // (B, S, C)
        _cache.Advance(_advance);
        var at = tensor(last, ScalarType.Int64, _model.Device).view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        var logits = _model.Logits(hidden.gather(1, at).squeeze(1)); // (B, V)
        HostTensors.CopyOut(logits.narrow(0, 0, b), lastLogits[..(b * v)]);
    }

    public void Decode(ReadOnlySpan<int> rows, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int v = _model.Config.VocabSize;
        if (rows.Length != tokens.Length) throw new ArgumentException($"rows has {rows.Length} entries, tokens {tokens.Length}; they must match.");
        Array.Clear(_step);
        Array.Clear(_advance);
        var pick = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)_cache.Batch) throw new ArgumentOutOfRangeException(nameof(rows), r, $"Cache row must be in [0, {_cache.Batch}).");
            if (_cache.Length(r) >= _cache.Capacity) throw new InvalidOperationException($"Row {r} is full ({_cache.Capacity} tokens).");
            _step[r] = CheckId(tokens[i]);
            _advance[r] = 1;
            pick[i] = r;
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = tensor(_step, [_cache.Batch, 1], ScalarType.Int64, _model.Device);
        var hidden = _model.Hidden(ids, _cache).squeeze(1); // (B, C)
        _cache.Advance(_advance);
        var chosen = hidden.index_select(0, tensor(pick, ScalarType.Int64, _model.Device));
        HostTensors.CopyOut(_model.Logits(chosen), logits[..(rows.Length * v)]);
    }

    private long CheckId(int id) =>
        (uint)id < (uint)_model.Config.VocabSize ? id
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be in [0, {_model.Config.VocabSize}) (the vocabulary size).");

    public void Dispose() => _cache.Dispose();
}

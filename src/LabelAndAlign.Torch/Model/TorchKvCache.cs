using LabelAndAlign.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Model;

// B = rows, NH = heads, Tcap = capacity, HS = head size, S = new tokens per row
/// <summary>
/// Keys and values per layer, (B, NH, Tcap, HS) on the model's device, with each row's length kept on
/// the host. Rows are ragged like the native <c>KvCache</c>: row r's token at position t sits in slot
/// t, so prompts of different lengths share one right-padded prefill and then decode one token each.
/// </summary>
public sealed class TorchKvCache : IDisposable
{
    private readonly Tensor[] _k, _v;
    private readonly int[] _lengths;

    public TorchKvCache(GptConfig config, int batch, int capacity, Device device)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A cache needs at least one row.");
        if (capacity < 1 || capacity > config.BlockSize)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"Capacity must be in [1, {config.BlockSize}] (the model's block size).");
        Batch = batch;
        Capacity = capacity;
        _k = new Tensor[config.Layers];
        _v = new Tensor[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            _k[l] = zeros([batch, config.Heads, capacity, config.HeadSize], ScalarType.Float32, device);
            _v[l] = zeros([batch, config.Heads, capacity, config.HeadSize], ScalarType.Float32, device);
        }
        _lengths = new int[batch];
    }

    public int Batch { get; }
    public int Capacity { get; }

    /// <summary>Tokens row <paramref name="row"/> holds, i.e. the position its next token gets.</summary>
    public int Length(int row) => _lengths[row];

    /// <summary>The longest row.</summary>
    public int MaxLength => _lengths.Max();

    /// <summary>Forgets every row (the memory is reused).</summary>
    public void Clear() => Array.Clear(_lengths);

    /// <summary>Row r now holds <c>Length(r) + counts[r]</c> tokens.</summary>
    public void Advance(ReadOnlySpan<int> counts)
    {
        for (int r = 0; r < _lengths.Length; r++)
        {
            int n = _lengths[r] + counts[r];
            if (n > Capacity) throw new InvalidOperationException($"Row {r} would hold {n} tokens; the cache holds {Capacity}.");
            _lengths[r] = n;
        }
    }

    /// <summary>(B) int64 start positions (the current lengths).</summary>
    internal Tensor Starts(Device device) => tensor(_lengths.Select(x => (long)x).ToArray(), ScalarType.Int64, device);

    /// <summary>
    /// Writes k, v (B, NH, S, HS) at (B, S) <paramref name="positions"/> (below the capacity) of layer
    /// <paramref name="layer"/> and returns that layer's keys and values up to the longest row after the
    /// write (B, NH, K, HS).
    /// </summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, Tensor k, Tensor v, Tensor positions)
    {
        long b = k.shape[0], nh = k.shape[1], s = k.shape[2], hs = k.shape[3];
        var index = positions.view(b, 1, s, 1).expand(b, nh, s, hs);
        _k[layer].scatter_(2, index, k);
        _v[layer].scatter_(2, index, v);
        long longest = Math.Min(Capacity, MaxLength + s);
        return (_k[layer].narrow(2, 0, longest), _v[layer].narrow(2, 0, longest));
    }

    public void Dispose()
    {
        foreach (var t in _k) t.Dispose();
        foreach (var t in _v) t.Dispose();
    }
}

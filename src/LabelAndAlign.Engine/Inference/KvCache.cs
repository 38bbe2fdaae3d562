using System.Runtime.CompilerServices;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Inference;

// B = batch rows, NH = heads, Tcap = capacity (positions), HS = head size, L = layers
/// <summary>
/// Keys and values of every position seen so far, per layer, shaped (B, NH, Tcap, HS) so one
/// head's keys for one row are a contiguous (t, HS) block. Rows are ragged: each row has its own
/// length, and its token at position t sits in slot t (so prompts of different lengths need no
/// padding and get positions 0, 1, … of their own). Arrays are pinned for the worker threads.
/// </summary>
public sealed unsafe class KvCache
{
    private readonly float[][] _k;
    private readonly float[][] _v;
    private readonly int[] _lengths;

    public KvCache(GptConfig config, int batch, int capacity)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A cache needs at least one row.");
        if (capacity < 1 || capacity > config.BlockSize)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"Capacity must be in [1, {config.BlockSize}] (the model's block size).");
        Config = config;
        Batch = batch;
        Capacity = capacity;
        long size = (long)batch * config.Heads * capacity * config.HeadSize;
        if (size > Array.MaxLength) throw new ArgumentException($"A KV cache of {batch} rows × {capacity} positions needs {size} floats per layer; the limit is {Array.MaxLength}.");
        _k = new float[config.Layers][];
        _v = new float[config.Layers][];
        K = new float*[config.Layers];
        V = new float*[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            _k[l] = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
            _v[l] = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
            K[l] = (float*)Unsafe.AsPointer(ref _k[l][0]);
            V[l] = (float*)Unsafe.AsPointer(ref _v[l][0]);
        }
        _lengths = new int[batch];
    }

    public GptConfig Config { get; }
    public int Batch { get; }

    /// <summary>Positions each row can hold (at most the block size).</summary>
    public int Capacity { get; }

    internal float*[] K { get; }
    internal float*[] V { get; }

    /// <summary>Tokens row <paramref name="row"/> holds, i.e. the position its next token gets.</summary>
    public int Length(int row) => _lengths[row];

    internal void SetLength(int row, int length) => _lengths[row] = length;

    /// <summary>Forgets every row (the memory is reused).</summary>
    public void Clear() => Array.Clear(_lengths);

    public void Clear(int row) => _lengths[row] = 0;

    /// <summary>Offset of (row, head, position 0) in a layer's K or V.</summary>
    internal long Offset(int row, int head) => ((long)row * Config.Heads + head) * Capacity * Config.HeadSize;
}

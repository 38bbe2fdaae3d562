using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Inference;

// M = entries (tokens) in one call, C = channels, V = vocab, NH = heads, HS = head size
/// <summary>
/// The GPT forward pass over a <see cref="KvCache"/>: each call appends tokens to cache rows and
/// returns logits for the entries asked for. Prefill (many tokens per row) and decode (one token
/// per row) are the same call; prompts of different lengths are ragged (no padding — each row's
/// tokens get positions 0, 1, … and attend only to their own row), which equals right-padding
/// with per-row lengths. Buffers grow to the largest call and are then reused: decode steps do
/// not allocate. Linear layers are split by output panels across a <see cref="ComputeTeam"/>,
/// attention by (token, head). Not thread-safe; use one session per thread.
/// </summary>
public sealed unsafe class InferenceSession : ITeamWork, IKvDecoder
{
    private enum Op { Linear, Attention }

    private readonly InferenceModel _model;
    private readonly ComputeTeam _team;
    private readonly GptConfig _cfg;
    private int _capacity;
    private float[] _x = [], _xn = [], _qkv = [], _att = [], _fc = [];
    private float*[] _ptrs = new float*[5];
    private int[] _rows = [], _pos = [];
    private float[][] _scores = [];

    // The step being run by the team.
    private Op _op;
    private PackedMatrix? _matrix;
    private float* _in, _out;
    private int _ldIn, _ldOut, _m, _layer;
    private bool _accumulate, _gelu;

    public InferenceSession(InferenceModel model, KvCache cache, ComputeTeam? team = null)
    {
        if (cache.Config != model.Config) throw new ArgumentException("The cache was made for a different model shape.", nameof(cache));
        _model = model;
        _cfg = model.Config;
        Cache = cache;
        _team = team ?? ComputeTeam.Shared;
        _scores = new float[_team.Size][];
        for (int i = 0; i < _scores.Length; i++) _scores[i] = new float[cache.Capacity];
    }

    public KvCache Cache { get; }
    public InferenceModel Model => _model;

    public int Length(int row) => Cache.Length(row);

    /// <summary>
    /// Appends <c>tokens[i]</c> to cache row <c>rows[i]</c> (in order, so a row may appear many times)
    /// and writes the logits of entries <paramref name="logitEntries"/> (indices into
    /// <paramref name="tokens"/>, in that order) to <paramref name="logits"/> (count × V).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<int> rows, ReadOnlySpan<int> tokens, ReadOnlySpan<int> logitEntries, Span<float> logits)
    {
        int m = tokens.Length;
        if (rows.Length != m) throw new ArgumentException($"rows has {rows.Length} entries, tokens {m}; they must match.");
        int v = _cfg.VocabSize, c = _cfg.Channels;
        if (logits.Length < (long)logitEntries.Length * v)
            throw new ArgumentException($"logits holds {logits.Length} floats; {logitEntries.Length} rows of vocab {v} need {(long)logitEntries.Length * v}.");
        if (m == 0) return;
        Ensure(Math.Max(m, logitEntries.Length));

        // Positions, validated before anything is written to the cache.
        for (int i = 0; i < m; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)Cache.Batch) throw new ArgumentOutOfRangeException(nameof(rows), r, $"Cache row must be in [0, {Cache.Batch}).");
            if ((uint)tokens[i] >= (uint)v) throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"Token id must be in [0, {v}) (the vocabulary size).");
            _rows[i] = r;
        }
        foreach (int e in logitEntries)
            if ((uint)e >= (uint)m) throw new ArgumentOutOfRangeException(nameof(logitEntries), e, $"Logit entry must be in [0, {m}).");
        for (int i = 0; i < m; i++)
        {
            int r = _rows[i], p = Cache.Length(r);
            _pos[i] = p;
            if (p >= Cache.Capacity)
            {
                for (int j = i - 1; j >= 0; j--) Cache.SetLength(_rows[j], _pos[j]); // undo
                throw new ArgumentException(
                    $"Cache row {r} is full: position {p} exceeds its capacity of {Cache.Capacity} (block size {_cfg.BlockSize}).");
            }
            Cache.SetLength(r, p + 1);
        }

        // Embeddings: x = wte[token] + wpe[pos]
        var wte = _model.Tensor(0);
        var wpe = _model.Tensor(1);
        for (int i = 0; i < m; i++)
            TensorPrimitives.Add(wte.Slice(tokens[i] * c, c), wpe.Slice(_pos[i] * c, c), _x.AsSpan(i * c, c));

        float eps = _cfg.LayerNormEpsilon;
        float* x = _ptrs[0], xn = _ptrs[1], qkv = _ptrs[2], att = _ptrs[3], fc = _ptrs[4];
        for (int l = 0; l < _cfg.Layers; l++)
        {
            LayerNormRows(_x, _xn, m, _model.Tensor(2).Slice(l * c, c), _model.Tensor(3).Slice(l * c, c), eps);
            Linear(_model.Qkv[l], xn, c, qkv, 3 * c, m, accumulate: false, gelu: false);
            StoreKeysValues(l, m);
            _op = Op.Attention;
            _layer = l;
            _m = m;
            _team.Run(this);
            Linear(_model.AttProj[l], att, c, x, c, m, accumulate: true, gelu: false);
            LayerNormRows(_x, _xn, m, _model.Tensor(8).Slice(l * c, c), _model.Tensor(9).Slice(l * c, c), eps);
            Linear(_model.Fc[l], xn, c, fc, 4 * c, m, accumulate: false, gelu: true);
            Linear(_model.FcProj[l], fc, 4 * c, x, c, m, accumulate: true, gelu: false);
        }

        int n = logitEntries.Length;
        if (n == 0) return;
        var lnfw = _model.Tensor(14);
        var lnfb = _model.Tensor(15);
        for (int j = 0; j < n; j++)
            LayerNorm(_x.AsSpan(logitEntries[j] * c, c), _xn.AsSpan(j * c, c), lnfw, lnfb, eps);
        fixed (float* y = logits)
            Linear(_model.LmHead, xn, c, y, v, n, accumulate: false, gelu: false);
    }

    /// <summary>
    /// Clears the cache and runs each prompt into row b (prompts may differ in length); writes the
    /// logits after each prompt's last token to <paramref name="lastLogits"/> (B × V).
    /// </summary>
    public void Prefill(IReadOnlyList<int[]> prompts, Span<float> lastLogits)
    {
        if (prompts.Count > Cache.Batch) throw new ArgumentException($"{prompts.Count} prompts exceed the cache's {Cache.Batch} rows.");
        int total = 0;
        for (int b = 0; b < prompts.Count; b++)
        {
            if (prompts[b].Length == 0) throw new ArgumentException($"Prompt {b} is empty; every row needs at least one token.");
            total += prompts[b].Length;
        }
        Cache.Clear();
        var rows = new int[total];
        var tokens = new int[total];
        var last = new int[prompts.Count];
        int i = 0;
        for (int b = 0; b < prompts.Count; b++)
        {
            foreach (int t in prompts[b])
            {
                rows[i] = b;
                tokens[i++] = t;
            }
            last[b] = i - 1;
        }
        Forward(rows, tokens, last, lastLogits);
    }

    /// <summary>One token for each listed row; logits (count × V) in the same order.</summary>
    public void Decode(ReadOnlySpan<int> rows, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        Span<int> all = tokens.Length <= 256 ? stackalloc int[tokens.Length] : new int[tokens.Length];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        Forward(rows, tokens, all, logits);
    }

    private void Linear(PackedMatrix w, float* input, int ldIn, float* output, int ldOut, int m, bool accumulate, bool gelu)
    {
        _op = Op.Linear;
        _matrix = w;
        _in = input;
        _ldIn = ldIn;
        _out = output;
        _ldOut = ldOut;
        _m = m;
        _accumulate = accumulate;
        _gelu = gelu;
        _team.Run(this);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void ITeamWork.Execute(int part, int parts)
    {
        if (_op == Op.Linear)
        {
            var w = _matrix!;
            int panels = w.Panels;
            if (panels >= parts || _m < 8)
            {
                int p0 = (int)((long)panels * part / parts), p1 = (int)((long)panels * (part + 1) / parts);
                if (p1 > p0) w.Multiply(_in, _ldIn, _out, _ldOut, _m, p0, p1, _accumulate, _gelu);
            }
            else
            {
                // Few panels, many rows (a narrow model's prefill): split rows in blocks of 4.
                int blocks = (_m + 3) / 4;
                int r0 = (int)((long)blocks * part / parts) * 4, r1 = Math.Min(_m, (int)((long)blocks * (part + 1) / parts) * 4);
                if (r1 > r0)
                    w.Multiply(_in + (long)r0 * _ldIn, _ldIn, _out + (long)r0 * _ldOut, _ldOut, r1 - r0, 0, panels, _accumulate, _gelu);
            }
        }
        else
        {
            int nh = _cfg.Heads;
            int items = _m * nh;
            int i0 = (int)((long)items * part / parts), i1 = (int)((long)items * (part + 1) / parts);
            var scores = _scores[part];
            for (int it = i0; it < i1; it++) Attend(it / nh, it % nh, scores);
        }
    }

    /// <summary>Writes each entry's k and v (from its qkv row) into its cache slot, per head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StoreKeysValues(int layer, int m)
    {
        int c = _cfg.Channels, hs = _cfg.HeadSize;
        float* kc = Cache.K[layer], vc = Cache.V[layer];
        float* qkv = _ptrs[2];
        for (int i = 0; i < m; i++)
        {
            float* row = qkv + (long)i * 3 * c;
            for (int h = 0; h < _cfg.Heads; h++)
            {
                long at = Cache.Offset(_rows[i], h) + (long)_pos[i] * hs;
                new ReadOnlySpan<float>(row + c + h * hs, hs).CopyTo(new Span<float>(kc + at, hs));
                new ReadOnlySpan<float>(row + 2 * c + h * hs, hs).CopyTo(new Span<float>(vc + at, hs));
            }
        }
    }

    /// <summary>Causal attention of entry i's query in head h over its row's slots [0, pos].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Attend(int i, int h, float[] scoreBuffer)
    {
        int c = _cfg.Channels, hs = _cfg.HeadSize;
        int n = _pos[i] + 1;
        long baseOffset = Cache.Offset(_rows[i], h);
        float* keys = Cache.K[_layer] + baseOffset, values = Cache.V[_layer] + baseOffset;
        float* q = _ptrs[2] + (long)i * 3 * c + h * hs;
        float* o = _ptrs[3] + (long)i * c + h * hs;
        var scores = scoreBuffer.AsSpan(0, n);
        float scale = 1f / MathF.Sqrt(hs);
        if (Vector512.IsHardwareAccelerated && hs % 16 == 0)
        {
            // One key (or value) row is hs/16 vectors: a few FMAs and one horizontal sum per position.
            for (int t = 0; t < n; t++)
            {
                float* k = keys + (long)t * hs;
                var acc = Vector512<float>.Zero;
                for (int j = 0; j < hs; j += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(q + j), Vector512.Load(k + j), acc);
                scores[t] = Vector512.Sum(acc) * scale;
            }
            TensorPrimitives.SoftMax(scores, scores);
            for (int j = 0; j < hs; j += 16) Vector512<float>.Zero.Store(o + j);
            for (int t = 0; t < n; t++)
            {
                float* v = values + (long)t * hs;
                var a = Vector512.Create(scores[t]);
                for (int j = 0; j < hs; j += 16) Vector512.FusedMultiplyAdd(Vector512.Load(v + j), a, Vector512.Load(o + j)).Store(o + j);
            }
            return;
        }
        var qs = new ReadOnlySpan<float>(q, hs);
        for (int t = 0; t < n; t++) scores[t] = TensorPrimitives.Dot(qs, new ReadOnlySpan<float>(keys + (long)t * hs, hs)) * scale;
        TensorPrimitives.SoftMax(scores, scores);
        var os = new Span<float>(o, hs);
        os.Clear();
        for (int t = 0; t < n; t++) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)t * hs, hs), scores[t], os, os);
    }

    private void LayerNormRows(float[] input, float[] output, int m, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float eps)
    {
        int c = _cfg.Channels;
        for (int i = 0; i < m; i++) LayerNorm(input.AsSpan(i * c, c), output.AsSpan(i * c, c), w, b, eps);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LayerNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float eps)
    {
        int c = x.Length;
        float mean = TensorPrimitives.Sum(x) / c;
        TensorPrimitives.Subtract(x, mean, y);
        float var = TensorPrimitives.SumOfSquares(y) / c;
        float rstd = 1f / MathF.Sqrt(var + eps);
        TensorPrimitives.Multiply(y, rstd, y);
        TensorPrimitives.FusedMultiplyAdd(y, w, b, y);
    }

    private void Ensure(int m)
    {
        if (m <= _capacity) return;
        int cap = Math.Max(m, Math.Max(16, _capacity * 2));
        int c = _cfg.Channels;
        _x = Pinned(cap * c);
        _xn = Pinned(cap * c);
        _qkv = Pinned(cap * 3 * c);
        _att = Pinned(cap * c);
        _fc = Pinned(cap * 4 * c);
        _ptrs = [Ptr(_x), Ptr(_xn), Ptr(_qkv), Ptr(_att), Ptr(_fc)];
        _rows = new int[cap];
        _pos = new int[cap];
        _capacity = cap;
    }

    private static float[] Pinned(int n) => GC.AllocateArray<float>(n, pinned: true);
    private static float* Ptr(float[] a) => (float*)Unsafe.AsPointer(ref a[0]);
}

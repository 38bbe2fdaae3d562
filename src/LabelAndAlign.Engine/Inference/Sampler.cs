using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Inference;

// B = batch rows, V = vocab
/// <summary>
/// Batched, seeded generation with a KV cache: one prefill of all prompts (ragged, no padding),
/// then one decode step per new token for the rows still running. Each row stops at a stop id,
/// at <see cref="SamplingOptions.MaxNewTokens"/>, or when it reaches the block size.
/// Buffers are allocated once per call; the per-token loop does not allocate. The model behind the
/// cache is an <see cref="IKvDecoder"/>: the native engine's by default, or another engine's.
/// </summary>
public sealed class Sampler
{
    private readonly Func<int, int, IKvDecoder> _open;
    private readonly ComputeTeam? _team;

    /// <summary>Samples from the native engine.</summary>
    public Sampler(InferenceModel model, ComputeTeam? team = null)
        : this(model.Config, (batch, capacity) => new InferenceSession(model, new KvCache(model.Config, batch, capacity), team), team)
    {
    }

    /// <summary>
    /// Samples from any engine: <paramref name="open"/> makes a decoder with (rows, capacity) — disposed
    /// after the call when it is <see cref="IDisposable"/>; <paramref name="team"/> picks the tokens.
    /// </summary>
    public Sampler(GptConfig config, Func<int, int, IKvDecoder> open, ComputeTeam? team = null)
    {
        Config = config;
        _open = open;
        _team = team;
    }

    public GptConfig Config { get; }

    public GenerationResult Generate(IReadOnlyList<int[]> prompts, SamplingOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        var cfg = Config;
        int b = prompts.Count, v = cfg.VocabSize;
        if (b == 0) return new GenerationResult([], [], []);
        int longest = 0;
        for (int r = 0; r < b; r++)
        {
            if (prompts[r].Length == 0) throw new ArgumentException($"Prompt {r} is empty; every row needs at least one token (e.g. an end-of-text id).");
            if (prompts[r].Length > cfg.BlockSize)
                throw new ArgumentException($"Prompt {r} has {prompts[r].Length} tokens, more than the model's block size {cfg.BlockSize}.");
            longest = Math.Max(longest, prompts[r].Length);
        }
        int max = options.MaxNewTokens;
        var tokens = new int[b][];
        var logProbs = new float[b][];
        var stopped = new bool[b];
        var counts = new int[b];
        for (int r = 0; r < b; r++)
        {
            tokens[r] = new int[max];
            logProbs[r] = new float[max];
        }
        if (max > 0)
        {
            int capacity = Math.Min(cfg.BlockSize, longest + max);
            var session = _open(b, capacity);
            using var owned = session as IDisposable;
            var logits = new float[b * v];
            var rngs = new Random[b];
            for (int r = 0; r < b; r++) rngs[r] = new Random(unchecked(options.Seed * 1_000_003 + r));
            var rowWork = new RowSampling(logits, v, options, rngs, b, (_team ?? ComputeTeam.Shared).Size);
            var active = rowWork.Active;
            var next = new int[b];
            for (int r = 0; r < b; r++) active[r] = r;
            int nActive = b;

            session.Prefill(prompts, logits);
            while (nActive > 0)
            {
                cancel.ThrowIfCancellationRequested();
                rowWork.Count = nActive;
                // Rows draw from their own streams, so sampling them in parallel changes nothing.
                if (nActive >= 4) (_team ?? ComputeTeam.Shared).Run(rowWork);
                else ((ITeamWork)rowWork).Execute(0, 1);
                int keep = 0;
                for (int j = 0; j < nActive; j++)
                {
                    int r = active[j];
                    int token = rowWork.Tokens[j];
                    tokens[r][counts[r]] = token;
                    logProbs[r][counts[r]++] = rowWork.LogProbs[j];
                    if (options.IsStop(token)) stopped[r] = true;
                    else if (counts[r] < max && session.Length(r) < capacity)
                    {
                        active[keep] = r;
                        next[keep++] = token;
                    }
                }
                nActive = keep;
                if (nActive > 0) session.Decode(active.AsSpan(0, nActive), next.AsSpan(0, nActive), logits.AsSpan(0, nActive * v));
            }
        }
        for (int r = 0; r < b; r++)
        {
            Array.Resize(ref tokens[r], counts[r]);
            Array.Resize(ref logProbs[r], counts[r]);
        }
        return new GenerationResult(tokens, logProbs, stopped);
    }

    /// <summary>One sampling pass over the logits rows of the active rows, split across a team.</summary>
    private sealed class RowSampling(float[] logits, int vocab, SamplingOptions options, Random[] rngs, int batch, int chunks) : ITeamWork
    {
        public readonly int[] Active = new int[batch];
        public readonly int[] Tokens = new int[batch];
        public readonly float[] LogProbs = new float[batch];
        private readonly SamplingScratch[] _scratch = Enumerable.Range(0, chunks).Select(_ => new SamplingScratch(vocab)).ToArray();
        public int Count;

        void ITeamWork.Execute(int chunk, int parts)
        {
            int j0 = (int)((long)Count * chunk / parts), j1 = (int)((long)Count * (chunk + 1) / parts);
            var scratch = _scratch[chunk];
            for (int j = j0; j < j1; j++)
                Tokens[j] = SampleToken(logits.AsSpan(j * vocab, vocab), options, rngs[Active[j]], scratch, out LogProbs[j]);
        }
    }

    /// <summary>Reusable per-vocabulary buffers for <see cref="SampleToken"/>.</summary>
    public sealed class SamplingScratch(int vocab)
    {
        internal readonly float[] Probs = new float[vocab];
        internal readonly float[] Keys = new float[vocab];
        internal readonly int[] Order = new int[vocab];
    }

    /// <summary>
    /// Picks one token from one row of logits by <paramref name="options"/> (temperature, then
    /// top-k, then top-p over what top-k kept), and returns its log-probability under the raw
    /// logits (temperature 1, unfiltered).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SampleToken(ReadOnlySpan<float> logits, SamplingOptions options, Random rng, SamplingScratch scratch, out float logProb)
    {
        int v = logits.Length;
        if (v == 0) throw new ArgumentException("Logits are empty.", nameof(logits));
        if (scratch.Probs.Length < v) throw new ArgumentException($"Scratch holds {scratch.Probs.Length} values; the logits have {v}.", nameof(scratch));
        float max = Max(logits);
        var probs = scratch.Probs.AsSpan(0, v);
        float sum = ExpShifted(logits, max, 1f, probs);
        float logSum = MathF.Log(sum);

        int token;
        if (options.Temperature == 0)
        {
            token = TensorPrimitives.IndexOfMax(logits);
        }
        else
        {
            // exp((l - max) / T): the most likely token keeps weight 1, so nothing overflows.
            if (options.Temperature != 1f) sum = ExpShifted(logits, max, 1f / options.Temperature, probs);
            bool filter = (options.TopK > 0 && options.TopK < v) || options.TopP < 1f;
            if (!filter)
            {
                token = Draw(probs, sum, rng);
            }
            else
            {
                var keys = scratch.Keys.AsSpan(0, v);
                var order = scratch.Order.AsSpan(0, v);
                TensorPrimitives.Negate(probs, keys);
                for (int i = 0; i < v; i++) order[i] = i;
                keys.Sort(order); // ascending -p: most likely first
                int n = options.TopK > 0 ? Math.Min(options.TopK, v) : v;
                if (options.TopP < 1f)
                {
                    double mass = 0;
                    for (int i = 0; i < n; i++) mass -= keys[i];
                    double target = options.TopP * mass, cum = 0;
                    int kept = 0;
                    while (kept < n)
                    {
                        cum -= keys[kept++];
                        if (cum >= target) break;
                    }
                    n = kept;
                }
                double total = 0;
                for (int i = 0; i < n; i++) total -= keys[i];
                double u = rng.NextDouble() * total, acc = 0;
                int pick = 0;
                for (; pick < n - 1; pick++)
                {
                    acc -= keys[pick];
                    if (u < acc) break;
                }
                token = order[pick];
            }
        }
        logProb = logits[token] - max - logSum;
        return token;
    }

    private static unsafe float Max(ReadOnlySpan<float> x)
    {
        int i = 0;
        float m = float.NegativeInfinity;
        fixed (float* p = x)
        {
            if (Vector512.IsHardwareAccelerated && x.Length >= 16)
            {
                var vm = Vector512.Load(p);
                for (i = 16; i + 16 <= x.Length; i += 16) vm = Vector512.Max(vm, Vector512.Load(p + i));
                for (int j = 0; j < 16; j++) m = MathF.Max(m, vm[j]);
            }
            for (; i < x.Length; i++) m = MathF.Max(m, p[i]);
        }
        return m;
    }

    /// <summary>y = exp((x - shift) · scale); returns Σ y.</summary>
    private static unsafe float ExpShifted(ReadOnlySpan<float> x, float shift, float scale, Span<float> y)
    {
        int i = 0;
        float sum = 0;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var vs = Vector512<float>.Zero;
                var vshift = Vector512.Create(shift);
                var vscale = Vector512.Create(scale);
                for (; i + 16 <= x.Length; i += 16)
                {
                    var e = Vector512.Exp((Vector512.Load(px + i) - vshift) * vscale);
                    e.Store(py + i);
                    vs += e;
                }
                sum = Vector512.Sum(vs);
            }
            for (; i < x.Length; i++)
            {
                py[i] = MathF.Exp((px[i] - shift) * scale);
                sum += py[i];
            }
        }
        return sum;
    }

    /// <summary>A draw from unnormalised weights summing to <paramref name="total"/>: skip whole blocks of 16, then scan one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int Draw(ReadOnlySpan<float> weights, float total, Random rng)
    {
        float u = (float)(rng.NextDouble() * total), acc = 0;
        int i = 0, n = weights.Length;
        fixed (float* w = weights)
        {
            if (Vector512.IsHardwareAccelerated)
                for (; i + 16 <= n; i += 16)
                {
                    float block = Vector512.Sum(Vector512.Load(w + i));
                    if (u < acc + block) break;
                    acc += block;
                }
            int last = -1;
            for (; i < n; i++)
            {
                if (w[i] <= 0) continue;
                last = i;
                acc += w[i];
                if (u < acc) return i;
            }
            if (last >= 0) return last;
            // Rounding left u at the very end: the last token with any weight.
            for (i = n - 1; i > 0 && w[i] <= 0; i--) { }
            return i;
        }
    }
}

using System.Numerics.Tensors;
using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Model;

// B = batch, T = sequence, C = channels, V = vocab, NH = heads, L = layers
/// <summary>
/// GPT-2 (pre-LN, GELU tanh, tied LM head <c>logits = lnf · wteᵀ</c>) trained llm.c style: one
/// parameter block, one gradient block, one activation block, explicit backward.
/// <para>
/// Use: <see cref="Forward(ReadOnlySpan{int}, int, int)"/>, then either <see cref="Loss"/> (SFT-style
/// next-token loss, -100 = ignored) or write your own dL/dlogits into <see cref="LogitsGrad"/> (and
/// dL/dscalar into <see cref="ScalarsGrad"/> with a scalar head, or dL/dvalues into <see cref="ValuesGrad"/> after
/// <see cref="ForwardValues"/>, which reads the scalar head at every position), then <see cref="Backward()"/>, which
/// ADDS into <see cref="Gradients"/> (call <see cref="ZeroGrad"/> between steps, as in PyTorch).
/// </para>
/// </summary>
public sealed class Gpt
{
    private enum GradSource { None, Loss, Explicit }

    private ActivationTensors? _acts;
    private int[] _tokens = [];
    private int[] _targets = [];
    private float[] _weights = [];
    private bool _weighted;
    private int[] _positions = [];
    private bool _haveLogits;
    private bool _forwardDone;
    private GradSource _logitsGrad;
    private bool _scalarsGradSet;
    private bool _haveValues;
    private bool _valuesGradSet;
    private float[] _values = [];
    private float[] _dValues = [];

    /// <summary>A model with GPT-2 initialisation drawn from <paramref name="seed"/>.</summary>
    public Gpt(GptConfig config, int seed) : this(new ParameterTensors(config))
    {
        InitializeWeights(seed);
    }

    /// <summary>A model over existing weights (a checkpoint, a golden fixture); the block is used, not copied.</summary>
    public Gpt(ParameterTensors parameters)
    {
        Parameters = parameters;
        Gradients = parameters.CreateLike();
    }

    public GptConfig Config => Parameters.Config;

    /// <summary>Weights, llm.c order (see <see cref="ParameterTensors.Names"/>).</summary>
    public ParameterTensors Parameters { get; }

    /// <summary>Gradients, same layout; <see cref="Backward()"/> adds into them.</summary>
    public ParameterTensors Gradients { get; }

    /// <summary>Activations of the last forward pass (null before the first).</summary>
    public ActivationTensors? Activations => _acts;

    /// <summary>B of the last forward pass.</summary>
    public int Batch { get; private set; }

    /// <summary>T of the last forward pass.</summary>
    public int Sequence { get; private set; }

    /// <summary>(B, T, V) logits of the last forward pass.</summary>
    public Span<float> Logits
    {
        get
        {
            RequireForward();
            if (!_haveLogits) throw new InvalidOperationException("The last forward pass skipped the logits (computeLogits: false).");
            return _acts!.Logits;
        }
    }

    /// <summary>(B) scalar-head outputs of the last forward pass, read at each row's position.</summary>
    public Span<float> Scalars
    {
        get
        {
            RequireForward();
            RequireScalarHead();
            return _acts!.Scalars;
        }
    }

    /// <summary>
    /// (B, T, V) dL/dlogits that <see cref="Backward()"/> pushes through the model. The first access
    /// after a forward pass hands it out zeroed (or holding the gradient of <see cref="Loss"/> if that
    /// was called), ready to be written or added to.
    /// </summary>
    public Span<float> LogitsGrad
    {
        get
        {
            RequireForward();
            if (!_haveLogits) throw new InvalidOperationException("The last forward pass skipped the logits (computeLogits: false), so there is no logits gradient.");
            if (_logitsGrad != GradSource.Explicit)
            {
                MaterializeLogitsGrad();
                _logitsGrad = GradSource.Explicit;
            }
            return _acts!.DLogits;
        }
    }

    /// <summary>
    /// (B, T) per-position scalar-head outputs (<c>lnf[b,t]·headw + headb</c>) of the last
    /// <see cref="ForwardValues"/> pass — a PPO value model's value at every token.
    /// </summary>
    public Span<float> Values
    {
        get
        {
            RequireForward();
            if (!_haveValues) throw new InvalidOperationException("The last forward pass did not compute per-position values; call ForwardValues.");
            return _values.AsSpan(0, Batch * Sequence);
        }
    }

    /// <summary>(B, T) dL/dvalues; zeroed on first access after a <see cref="ForwardValues"/> pass; <see cref="Backward()"/> uses it.</summary>
    public Span<float> ValuesGrad
    {
        get
        {
            RequireForward();
            if (!_haveValues) throw new InvalidOperationException("The last forward pass did not compute per-position values; call ForwardValues.");
            var d = _dValues.AsSpan(0, Batch * Sequence);
            if (!_valuesGradSet)
            {
                d.Clear();
                _valuesGradSet = true;
            }
            return d;
        }
    }

    /// <summary>(B) dL/dscalar; zeroed on first access after a forward pass.</summary>
    public Span<float> ScalarsGrad
    {
        get
        {
            RequireForward();
            RequireScalarHead();
            if (!_scalarsGradSet)
            {
                _acts!.DScalars.Clear();
                _scalarsGradSet = true;
            }
            return _acts!.DScalars;
        }
    }

    /// <summary>GPT-2 init: N(0, 0.02) weights, residual projections N(0, 0.02/sqrt(2L)), biases 0, LayerNorm weights 1.</summary>
    public void InitializeWeights(int seed) => InitializeWeights(Parameters, seed);

    /// <summary>
    /// <see cref="InitializeWeights(int)"/> of a bare block (no model, no gradients): the same numbers for a seed on
    /// every engine that starts from it. The scalar head, when there is one, is drawn last, so the rest does not depend on it.
    /// </summary>
    public static void InitializeWeights(ParameterTensors p, int seed)
    {
        var rng = new SeededNormal(seed);
        float std = 0.02f, projStd = 0.02f / MathF.Sqrt(2f * p.Config.Layers);
        rng.Fill(p.Wte, std);
        rng.Fill(p.Wpe, std);
        p.Ln1W.Fill(1f);
        p.Ln1B.Clear();
        rng.Fill(p.QkvW, std);
        p.QkvB.Clear();
        rng.Fill(p.AttProjW, projStd);
        p.AttProjB.Clear();
        p.Ln2W.Fill(1f);
        p.Ln2B.Clear();
        rng.Fill(p.FcW, std);
        p.FcB.Clear();
        rng.Fill(p.FcProjW, projStd);
        p.FcProjB.Clear();
        p.LnfW.Fill(1f);
        p.LnfB.Clear();
        rng.Fill(p.HeadW, std);
        p.HeadB.Clear();
    }

    /// <summary>Forward pass over (B, T) token ids, producing <see cref="Logits"/> (B, T, V).</summary>
    public void Forward(ReadOnlySpan<int> tokens, int B, int T) => Forward(tokens, B, T, default, true);

    /// <summary>Forward pass and mean next-token loss over targets that are not -100.</summary>
    public float Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, int B, int T)
    {
        Forward(tokens, B, T, default, true);
        return Loss(targets);
    }

    /// <summary>
    /// Forward pass. With a scalar head, <see cref="Scalars"/>[b] is read at <paramref name="scalarPositions"/>[b]
    /// (the row's last real token; empty means T-1 for every row). <paramref name="computeLogits"/> false skips
    /// the LM head (a reward model needs only the scalar).
    /// </summary>
    public void Forward(ReadOnlySpan<int> tokens, int B, int T, ReadOnlySpan<int> scalarPositions, bool computeLogits = true) =>
        ForwardCore(tokens, B, T, scalarPositions, computeLogits, allPositions: false);

    /// <summary>
    /// Forward pass that reads the scalar head at EVERY position: <see cref="Values"/> (B, T) from the final
    /// LayerNorm output through headw/headb (and <see cref="Scalars"/> at T-1, as the default
    /// <see cref="Forward(ReadOnlySpan{int}, int, int, ReadOnlySpan{int}, bool)"/>). By default the LM head is
    /// skipped (a value model needs no logits); <paramref name="computeLogits"/> true also produces <see cref="Logits"/>.
    /// Backward from dL/dvalues: write <see cref="ValuesGrad"/> then <see cref="Backward()"/>, or <see cref="BackwardValues"/>.
    /// </summary>
    public void ForwardValues(ReadOnlySpan<int> tokens, int B, int T, bool computeLogits = false)
    {
        RequireScalarHead();
        ForwardCore(tokens, B, T, default, computeLogits, allPositions: true);
    }

    private void ForwardCore(ReadOnlySpan<int> tokens, int B, int T, ReadOnlySpan<int> scalarPositions, bool computeLogits, bool allPositions)
    {
        var cfg = Config;
        if (B <= 0 || T <= 0) throw new ArgumentException($"Batch and sequence length must be positive, found B={B} T={T}.");
        if (T > cfg.BlockSize) throw new ArgumentException($"Sequence length {T} exceeds the model's block size {cfg.BlockSize}.");
        if (tokens.Length != B * T) throw new ArgumentException($"Expected {B * T} tokens (B={B} × T={T}), found {tokens.Length}.");
        if (!scalarPositions.IsEmpty)
        {
            RequireScalarHead();
            if (scalarPositions.Length != B) throw new ArgumentException($"Expected {B} scalar positions (one per row), found {scalarPositions.Length}.");
            for (int b = 0; b < B; b++)
                if ((uint)scalarPositions[b] >= (uint)T)
                    throw new ArgumentOutOfRangeException(nameof(scalarPositions), $"Scalar position {scalarPositions[b]} of row {b} is outside [0, {T}).");
        }
        if (!computeLogits && !cfg.ScalarHead)
            throw new ArgumentException("computeLogits: false leaves nothing to compute without a scalar head.");

        if (_acts is null) _acts = new ActivationTensors(cfg, B, T);
        else if (_acts.Batch != B || _acts.Sequence != T) _acts.Resize(B, T);
        var a = _acts;
        var p = Parameters;
        int C = cfg.Channels, L = cfg.Layers, NH = cfg.Heads, V = cfg.VocabSize, N = B * T;
        float eps = cfg.LayerNormEpsilon;

        // Keep the tokens: the encoder's backward needs them.
        if (_tokens.Length < N) _tokens = new int[N];
        tokens.CopyTo(_tokens);
        if (cfg.ScalarHead)
        {
            if (_positions.Length < B) _positions = new int[B];
            for (int b = 0; b < B; b++) _positions[b] = scalarPositions.IsEmpty ? T - 1 : scalarPositions[b];
        }
        Batch = B;
        Sequence = T;
        _forwardDone = false;
        _logitsGrad = GradSource.None;
        _scalarsGradSet = false;
        _valuesGradSet = false;
        _haveValues = false;

        Encoder.Forward(a.Encoded, tokens, p.Wte, p.Wpe, B, T, C);
        ReadOnlySpan<float> residual = a.Encoded;
        for (int l = 0; l < L; l++)
        {
            var ln1 = Layer(a.Ln1, l, N * C);
            var qkv = Layer(a.Qkv, l, N * 3 * C);
            var atty = Layer(a.Atty, l, N * C);
            var att = Layer(a.Att, l, B * NH * T * T);
            var res2 = Layer(a.Residual2, l, N * C);
            var ln2 = Layer(a.Ln2, l, N * C);
            var fch = Layer(a.Fch, l, N * 4 * C);
            var fchg = Layer(a.FchGelu, l, N * 4 * C);
            var res3 = Layer(a.Residual3, l, N * C);

            LayerNorm.Forward(ln1, Layer(a.Ln1Mean, l, N), Layer(a.Ln1Rstd, l, N), residual,
                Layer(p.Ln1W, l, C), Layer(p.Ln1B, l, C), N, C, eps);
            Matmul.Forward(qkv, ln1, Layer(p.QkvW, l, 3 * C * C), Layer(p.QkvB, l, 3 * C), N, C, 3 * C);
            Attention.Forward(atty, att, qkv, B, T, C, NH);
            // res2 = residual + atty · Wprojᵀ + b
            residual.CopyTo(res2);
            Matmul.ForwardAccumulate(res2, atty, Layer(p.AttProjW, l, C * C), Layer(p.AttProjB, l, C), N, C, C);
            LayerNorm.Forward(ln2, Layer(a.Ln2Mean, l, N), Layer(a.Ln2Rstd, l, N), res2,
                Layer(p.Ln2W, l, C), Layer(p.Ln2B, l, C), N, C, eps);
            Matmul.Forward(fch, ln2, Layer(p.FcW, l, 4 * C * C), Layer(p.FcB, l, 4 * C), N, C, 4 * C);
            Gelu.Forward(fchg, fch, N * 4 * C);
            // res3 = res2 + gelu(fch) · Wfcprojᵀ + b
            res2.CopyTo(res3);
            Matmul.ForwardAccumulate(res3, fchg, Layer(p.FcProjW, l, 4 * C * C), Layer(p.FcProjB, l, C), N, 4 * C, C);
            residual = res3;
        }
        LayerNorm.Forward(a.Lnf, a.LnfMean, a.LnfRstd, residual, p.LnfW, p.LnfB, N, C, eps);
        if (computeLogits)
            Matmul.Forward(a.Logits, a.Lnf, p.Wte, default, N, C, V);
        if (cfg.ScalarHead)
        {
            var lnf = a.Lnf;
            var s = a.Scalars;
            for (int b = 0; b < B; b++)
                s[b] = TensorPrimitives.Dot(lnf.Slice((b * T + _positions[b]) * C, C), p.HeadW) + p.HeadB[0];
        }
        if (allPositions)
        {
            if (_values.Length < N)
            {
                _values = new float[N];
                _dValues = new float[N];
            }
            // values (N) = lnf (N, C) · headwᵀ + headb, the same dot as the single-position scalar.
            var lnf = a.Lnf;
            float hb = p.HeadB[0];
            for (int i = 0; i < N; i++) _values[i] = TensorPrimitives.Dot(lnf.Slice(i * C, C), p.HeadW) + hb;
            _haveValues = true;
        }
        _haveLogits = computeLogits;
        _forwardDone = true;
    }

    /// <summary>
    /// Mean cross-entropy of the last forward's logits against <paramref name="targets"/> (B, T); -100 = ignored.
    /// Optional <paramref name="weights"/> (B, T) make it a weighted mean. Arms <see cref="Backward()"/> with its gradient.
    /// </summary>
    public float Loss(ReadOnlySpan<int> targets, ReadOnlySpan<float> weights = default)
    {
        RequireForward();
        if (!_haveLogits) throw new InvalidOperationException("The last forward pass skipped the logits (computeLogits: false); there is nothing to take a loss over.");
        int N = Batch * Sequence;
        if (targets.Length != N) throw new ArgumentException($"Expected {N} targets (B={Batch} × T={Sequence}), found {targets.Length}.");
        if (!weights.IsEmpty && weights.Length != N) throw new ArgumentException($"Expected {N} weights (B={Batch} × T={Sequence}) or none, found {weights.Length}.");
        var a = _acts!;
        float loss = CrossEntropy.Forward(a.Losses, a.LogSumExp, a.Logits, targets, weights, N, Config.VocabSize);
        if (_targets.Length < N) _targets = new int[N];
        targets.CopyTo(_targets);
        _weighted = !weights.IsEmpty;
        if (_weighted)
        {
            if (_weights.Length < N) _weights = new float[N];
            weights.CopyTo(_weights);
        }
        _logitsGrad = GradSource.Loss;
        return loss;
    }

    /// <summary>(B, T) per-position losses of the last <see cref="Loss"/> call (0 where ignored).</summary>
    public ReadOnlySpan<float> PositionLosses => _acts is null ? default : _acts.Losses;

    /// <summary>
    /// log p(targets[b,t] | tokens[b, ≤t]) for each position, from the last forward's logits (-100 gives 0).
    /// The building block of DPO/PPO/GRPO losses, which then inject their own dL/dlogits.
    /// </summary>
    public void TokenLogProbs(ReadOnlySpan<int> targets, Span<float> destination)
    {
        var logits = Logits;
        int N = Batch * Sequence, V = Config.VocabSize;
        if (targets.Length != N) throw new ArgumentException($"Expected {N} targets (B={Batch} × T={Sequence}), found {targets.Length}.");
        if (destination.Length < N) throw new ArgumentException($"Destination needs {N} floats, found {destination.Length}.");
        var a = _acts!;
        CrossEntropy.Forward(a.Losses, a.LogSumExp, logits, targets, default, N, V);
        for (int i = 0; i < N; i++) destination[i] = targets[i] == CrossEntropy.IgnoreIndex ? 0f : -a.Losses[i];
    }

    /// <summary>Zeroes <see cref="Gradients"/>.</summary>
    public void ZeroGrad() => Gradients.Zero();

    /// <summary>Backward with an injected dL/dlogits (B, T, V) and/or dL/dscalar (B); either may be empty.</summary>
    public void Backward(ReadOnlySpan<float> dLogits, ReadOnlySpan<float> dScalars = default)
    {
        RequireForward();
        int N = Batch * Sequence;
        long nv = (long)N * Config.VocabSize;
        if (dLogits.IsEmpty && dScalars.IsEmpty) throw new ArgumentException("Backward needs dLogits, dScalars or both.");
        if (!dLogits.IsEmpty)
        {
            if (dLogits.Length != nv) throw new ArgumentException($"Expected dLogits of {nv} floats (B={Batch} × T={Sequence} × V={Config.VocabSize}), found {dLogits.Length}.");
            if (!_haveLogits) throw new InvalidOperationException("The last forward pass skipped the logits (computeLogits: false), so dLogits cannot be applied.");
            dLogits.CopyTo(_acts!.DLogits);
            _logitsGrad = GradSource.Explicit;
        }
        else _logitsGrad = GradSource.None;
        if (!dScalars.IsEmpty)
        {
            RequireScalarHead();
            if (dScalars.Length != Batch) throw new ArgumentException($"Expected dScalars of {Batch} floats (one per row), found {dScalars.Length}.");
            dScalars.CopyTo(_acts!.DScalars);
            _scalarsGradSet = true;
        }
        else _scalarsGradSet = false;
        _valuesGradSet = false;
        Backward();
    }

    /// <summary>Backward from an injected dL/dvalues (B, T) after <see cref="ForwardValues"/> (no logits or single-position scalar gradient).</summary>
    public void BackwardValues(ReadOnlySpan<float> dValues)
    {
        RequireForward();
        if (!_haveValues) throw new InvalidOperationException("The last forward pass did not compute per-position values; call ForwardValues.");
        int N = Batch * Sequence;
        if (dValues.Length != N) throw new ArgumentException($"Expected dValues of {N} floats (B={Batch} × T={Sequence}), found {dValues.Length}.");
        dValues.CopyTo(_dValues);
        _valuesGradSet = true;
        _logitsGrad = GradSource.None;
        _scalarsGradSet = false;
        Backward();
    }

    /// <summary>
    /// Pushes <see cref="LogitsGrad"/> (from <see cref="Loss"/> or written by the caller) and
    /// <see cref="ScalarsGrad"/> back through the model, adding into <see cref="Gradients"/>.
    /// </summary>
    public void Backward()
    {
        RequireForward();
        if (_logitsGrad == GradSource.Loss)
        {
            MaterializeLogitsGrad();
            _logitsGrad = GradSource.Explicit;
        }
        bool useLogits = _logitsGrad == GradSource.Explicit, useScalars = _scalarsGradSet, useValues = _valuesGradSet && _haveValues;
        if (!useLogits && !useScalars && !useValues)
            throw new InvalidOperationException("Nothing to backpropagate: call Loss(targets), write LogitsGrad, ScalarsGrad or ValuesGrad, or pass dLogits to Backward.");

        var cfg = Config;
        var a = _acts!;
        var p = Parameters;
        var g = Gradients;
        int B = Batch, T = Sequence, C = cfg.Channels, L = cfg.Layers, NH = cfg.Heads, V = cfg.VocabSize, N = B * T;
        ReadOnlySpan<int> tokens = _tokens.AsSpan(0, N);

        var dln = a.DLn;
        dln.Clear();
        if (useLogits)
            Matmul.Backward(dln, g.Wte, default, a.DLogits, a.Lnf, p.Wte, N, C, V);
        if (useScalars)
        {
            var ds = a.DScalars;
            var lnf = a.Lnf;
            for (int b = 0; b < B; b++)
            {
                float d = ds[b];
                if (d == 0f) continue;
                int row = (b * T + _positions[b]) * C;
                TensorPrimitives.MultiplyAdd(p.HeadW, d, dln.Slice(row, C), dln.Slice(row, C));
                TensorPrimitives.MultiplyAdd(lnf.Slice(row, C), d, g.HeadW, g.HeadW);
                g.HeadB[0] += d;
            }
        }
        if (useValues)
        {
            // values = lnf · headwᵀ + headb: dlnf += dv ⊗ headw, dheadw += dvᵀ · lnf, dheadb += Σ dv.
            var dv = _dValues.AsSpan(0, N);
            var lnf = a.Lnf;
            float db = 0f;
            for (int i = 0; i < N; i++)
            {
                float d = dv[i];
                if (d == 0f) continue;
                int row = i * C;
                TensorPrimitives.MultiplyAdd(p.HeadW, d, dln.Slice(row, C), dln.Slice(row, C));
                TensorPrimitives.MultiplyAdd(lnf.Slice(row, C), d, g.HeadW, g.HeadW);
                db += d;
            }
            g.HeadB[0] += db;
        }
        var dres = a.DResidual;
        dres.Clear();
        ReadOnlySpan<float> lastResidual = Layer(a.Residual3, L - 1, N * C);
        LayerNorm.Backward(dres, g.LnfW, g.LnfB, dln, lastResidual, p.LnfW, a.LnfMean, a.LnfRstd, N, C);

        for (int l = L - 1; l >= 0; l--)
        {
            ReadOnlySpan<float> residual = l == 0 ? a.Encoded : Layer(a.Residual3, l - 1, N * C);
            var ln1 = Layer(a.Ln1, l, N * C);
            var qkv = Layer(a.Qkv, l, N * 3 * C);
            var atty = Layer(a.Atty, l, N * C);
            var att = Layer(a.Att, l, B * NH * T * T);
            var res2 = Layer(a.Residual2, l, N * C);
            var ln2 = Layer(a.Ln2, l, N * C);
            var fch = Layer(a.Fch, l, N * 4 * C);
            var fchg = Layer(a.FchGelu, l, N * 4 * C);

            // dres holds dL/dres3; res3 = res2 + proj(gelu(fc(ln2(res2)))).
            var dfchg = a.DFchGelu;
            dfchg.Clear();
            Matmul.Backward(dfchg, Layer(g.FcProjW, l, 4 * C * C), Layer(g.FcProjB, l, C), dres, fchg, Layer(p.FcProjW, l, 4 * C * C), N, 4 * C, C);
            var dfch = a.DFch;
            dfch.Clear();
            Gelu.Backward(dfch, fch, dfchg, N * 4 * C);
            dln.Clear();
            Matmul.Backward(dln, Layer(g.FcW, l, 4 * C * C), Layer(g.FcB, l, 4 * C), dfch, ln2, Layer(p.FcW, l, 4 * C * C), N, C, 4 * C);
            // The skip path already carries dres3 into dres2; add the LayerNorm branch.
            LayerNorm.Backward(dres, Layer(g.Ln2W, l, C), Layer(g.Ln2B, l, C), dln, res2, Layer(p.Ln2W, l, C),
                Layer(a.Ln2Mean, l, N), Layer(a.Ln2Rstd, l, N), N, C);

            // dres holds dL/dres2; res2 = residual + proj(attn(qkv(ln1(residual)))).
            var datty = a.DAtty;
            datty.Clear();
            Matmul.Backward(datty, Layer(g.AttProjW, l, C * C), Layer(g.AttProjB, l, C), dres, atty, Layer(p.AttProjW, l, C * C), N, C, C);
            var dqkv = a.DQkv;
            dqkv.Clear();
            Attention.Backward(dqkv, a.DAtt, datty, qkv, att, B, T, C, NH);
            dln.Clear();
            Matmul.Backward(dln, Layer(g.QkvW, l, 3 * C * C), Layer(g.QkvB, l, 3 * C), dqkv, ln1, Layer(p.QkvW, l, 3 * C * C), N, C, 3 * C);
            LayerNorm.Backward(dres, Layer(g.Ln1W, l, C), Layer(g.Ln1B, l, C), dln, residual, Layer(p.Ln1W, l, C),
                Layer(a.Ln1Mean, l, N), Layer(a.Ln1Rstd, l, N), N, C);
        }
        Encoder.Backward(g.Wte, g.Wpe, dres, tokens, B, T, C);
    }

    private void MaterializeLogitsGrad()
    {
        var a = _acts!;
        int N = Batch * Sequence;
        a.DLogits.Clear();
        if (_logitsGrad == GradSource.Loss)
        {
            ReadOnlySpan<float> w = _weighted ? _weights.AsSpan(0, N) : default;
            CrossEntropy.Backward(a.DLogits, a.Logits, a.LogSumExp, _targets.AsSpan(0, N), w, N, Config.VocabSize);
        }
    }

    private void RequireForward()
    {
        if (!_forwardDone) throw new InvalidOperationException("Call Forward before reading outputs, taking a loss or running Backward.");
    }

    private void RequireScalarHead()
    {
        if (!Config.ScalarHead) throw new InvalidOperationException("This model has no scalar head (GptConfig.ScalarHead is false).");
    }

    private static Span<float> Layer(Span<float> all, int l, int size) => all.Slice(l * size, size);

    /// <summary>SplitMix64 + Box–Muller: the same numbers on every machine and runtime for a seed.</summary>
    private struct SeededNormal(int seed)
    {
        private ulong _state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL;
        private double _spare = double.NaN;

        private ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        private double Uniform() => ((Next() >> 11) + 0.5) * (1.0 / (1UL << 53)); // (0, 1)

        public double NextNormal()
        {
            if (!double.IsNaN(_spare))
            {
                double s = _spare;
                _spare = double.NaN;
                return s;
            }
            double r = Math.Sqrt(-2.0 * Math.Log(Uniform())), th = 2.0 * Math.PI * Uniform();
            _spare = r * Math.Sin(th);
            return r * Math.Cos(th);
        }

        public void Fill(Span<float> x, float std)
        {
            for (int i = 0; i < x.Length; i++) x[i] = (float)(NextNormal() * std);
        }
    }
}

using LabelAndAlign.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LabelAndAlign.Torch.Model;

// B = batch, T = sequence, S = new tokens per row, C = channels, V = vocab, NH = heads, HS = head size
/// <summary>
/// GPT-2 as a TorchSharp module, the same network as the native <see cref="Gpt"/>: pre-LayerNorm
/// blocks, GELU (tanh approximation), LM head tied to the token embedding, optional scalar head
/// (reward score / PPO value) read from the final LayerNorm. Weights live in one
/// <see cref="TorchParameters"/> block (the native layout), so checkpoints, gradients and optimizer
/// state cross between the engines as one copy.
/// <para>
/// <see cref="ComputeType"/> is the dtype of the matrix products (the linear layers and the LM head):
/// float32 by default; bfloat16 is what autocast would pick on a GPU. Weights, LayerNorm, softmax,
/// attention and everything the losses read stay float32 either way — one code path for both.
/// </para>
/// </summary>
public sealed class TorchGpt : nn.Module<Tensor, Tensor>
{
    public TorchGpt(GptConfig config, Device device, ScalarType computeType = ScalarType.Float32) : base("gpt2")
    {
        config.Validate();
        if (computeType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"Compute type must be float32, bfloat16 or float16, found {computeType}.", nameof(computeType));
        Config = config;
        Device = device;
        ComputeType = computeType;
        Parameters = new TorchParameters(config, device);
        foreach (var (name, p) in Parameters.Named) register_parameter(name.Replace('.', '_'), p);
    }

    public GptConfig Config { get; }
    public Device Device { get; }
    public ScalarType ComputeType { get; }
    public TorchParameters Parameters { get; }

    /// <summary>(B, T) int64 token ids → (B, T, V) float32 logits.</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var hidden = Hidden(tokens);
        return Logits(hidden);
    }

    /// <summary>(B, T) int64 token ids → (B, T, C) output of the final LayerNorm (causal attention over each row).</summary>
    public Tensor Hidden(Tensor tokens)
    {
        long b = tokens.shape[0], t = tokens.shape[1];
        if (t > Config.BlockSize) throw new ArgumentException($"Sequence length {t} exceeds the model's block size {Config.BlockSize}.");
        using var scope = NewDisposeScope();
        using var positions = arange(t, ScalarType.Int64, Device);
        var x = Embed(tokens, positions);
        foreach (var layer in Parameters.Layers) x = Block(x, layer, b, t, cache: null, 0, null, null);
        return FinalNorm(x).MoveToOuterDisposeScope();
    }

    /// <summary>The logits at every position of one sequence, (T × V) row-major, as <c>lna logits</c> prints them.</summary>
    public float[] Logits(ReadOnlySpan<int> tokens)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return HostTensors.ToArray(forward(HostTensors.Tokens(tokens, 1, tokens.Length, Device)));
    }

    /// <summary>(…, C) hidden states → (…, V) logits through the tied head.</summary>
    public Tensor Logits(Tensor hidden) => Linear(hidden, Parameters.Wte, null);

    /// <summary>(B, T, C) hidden states → (B, T) scalar-head outputs at every position.</summary>
    public Tensor Values(Tensor hidden)
    {
        var w = Parameters.HeadW ?? throw new InvalidOperationException("This model has no scalar head (GptConfig.ScalarHead is false).");
        using var v = F.linear(hidden, w, Parameters.HeadB);
        return v.squeeze(-1);
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> (B, S) to the rows of <paramref name="cache"/>, row r at positions
    /// <c>cache.Length(r)</c>, … (one call serves a padded prefill and a one-token decode), and returns the
    /// (B, S, C) final hidden states. The caller advances the lengths (<see cref="TorchKvCache.Advance"/>).
    /// Positions past the capacity (a finished row fed a dummy token) are clamped to the last slot: such a
    /// row's output is never read.
    /// </summary>
    public Tensor Hidden(Tensor tokens, TorchKvCache cache)
    {
        long b = tokens.shape[0], s = tokens.shape[1];
        if (b != cache.Batch) throw new ArgumentException($"Expected {cache.Batch} rows (the cache's), found {b}.");
        long keys = Math.Min(cache.Capacity, cache.MaxLength + s);
        using var scope = NewDisposeScope();
        // (B, S) positions of the new tokens; (B, 1, S, K) which cached keys each may attend to.
        var positions = (cache.Starts(Device).unsqueeze(1) + arange(s, ScalarType.Int64, Device).unsqueeze(0)).clamp_max(cache.Capacity - 1);
        var mask = arange(keys, ScalarType.Int64, Device).view(1, 1, 1, keys) <= positions.view(b, 1, s, 1);
        var x = Embed(tokens, positions);
        for (int l = 0; l < Parameters.Layers.Length; l++)
            x = Block(x, Parameters.Layers[l], b, s, cache, l, positions, mask);
        return FinalNorm(x).MoveToOuterDisposeScope();
    }

    private Tensor Block(Tensor x, TorchParameters.Layer p, long b, long t, TorchKvCache? cache, int layer, Tensor? positions, Tensor? mask)
    {
        int c = Config.Channels, nh = Config.Heads, hs = Config.HeadSize;
        var h = F.layer_norm(x, [c], p.Ln1W, p.Ln1B, Config.LayerNormEpsilon);
        var qkv = Linear(h, p.QkvW, p.QkvB).view(b, t, 3, nh, hs).permute(2, 0, 3, 1, 4); // (3, B, NH, T, HS)
        Tensor q = qkv[0], k = qkv[1], v = qkv[2];
        Tensor y;
        if (cache is null)
        {
            y = F.scaled_dot_product_attention(q, k, v, is_casual: true);
        }
        else
        {
            var (keys, values) = cache.Write(layer, k, v, positions!);
            y = F.scaled_dot_product_attention(q, keys, values, mask);
        }
        y = y.transpose(1, 2).reshape(b, t, c);
        x = x + Linear(y, p.AttProjW, p.AttProjB);
        h = F.layer_norm(x, [c], p.Ln2W, p.Ln2B, Config.LayerNormEpsilon);
        h = F.gelu(Linear(h, p.FcW, p.FcB), TorchSharp.Modules.GELU.Approximate.tanh);
        return x + Linear(h, p.FcProjW, p.FcProjB);
    }

    /// <summary>wte[tokens] + wpe[positions]; (B, T) token ids and (T) or (B, T) positions → (B, T, C).</summary>
    private Tensor Embed(Tensor tokens, Tensor positions)
    {
        long c = Config.Channels;
        var tok = Parameters.Wte.index_select(0, tokens.reshape(-1)).view(tokens.shape[0], tokens.shape[1], c);
        var pos = Parameters.Wpe.index_select(0, positions.reshape(-1));
        return tok + (positions.dim() == 1 ? pos : pos.view(tokens.shape[0], tokens.shape[1], c));
    }

    private Tensor FinalNorm(Tensor x) => F.layer_norm(x, [Config.Channels], Parameters.LnfW, Parameters.LnfB, Config.LayerNormEpsilon);

    /// <summary>x · wᵀ + b in <see cref="ComputeType"/>, returned as float32.</summary>
    private Tensor Linear(Tensor x, Tensor w, Tensor? bias)
    {
        if (ComputeType == ScalarType.Float32) return F.linear(x, w, bias);
        using var scope = NewDisposeScope();
        return F.linear(x.to(ComputeType), w.to(ComputeType), bias?.to(ComputeType)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Parameters.Dispose();
        base.Dispose(disposing);
    }
}

using LabelAndAlign.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace LabelAndAlign.Torch.Model;

// V = vocab, Tmax = block size, C = channels, L = layers
/// <summary>
/// Every weight of the GPT in ONE float32 tensor laid out exactly as <see cref="ParameterTensors"/>
/// (llm.c's order), with a second tensor of the same size for gradients. Each named weight is a leaf
/// <see cref="Parameter"/> that is a view into <see cref="Weights"/>, and its <c>.grad</c> a view into
/// <see cref="Gradients"/>: autograd accumulates into the flat gradient in place, so clipping, AdamW and
/// checkpoints each work on one tensor, and a checkpoint, gradient or optimizer moment moves between
/// this engine and the native one as a single copy with no name mapping.
/// </summary>
public sealed class TorchParameters : IDisposable
{
    private readonly List<(string Name, Parameter Value)> _named = [];

    public TorchParameters(GptConfig config, Device device)
    {
        Config = config;
        Device = device;
        var layout = ParameterTensors.Layout(config);
        Count = layout[^1].Offset + layout[^1].Size;
        Weights = zeros(Count, ScalarType.Float32, device);
        Gradients = zeros(Count, ScalarType.Float32, device);
        long c = config.Channels, v = config.VocabSize, t = config.BlockSize;

        Parameter Leaf(string name, int index, long within, params long[] shape)
        {
            long size = 1;
            foreach (long d in shape) size *= d;
            long at = layout[index].Offset + within;
            using var slice = Weights.narrow(0, at, size);
            using var view = slice.view(shape);
            var p = new Parameter(view, requires_grad: true);
            using var gradSlice = Gradients.narrow(0, at, size);
            using var gradView = gradSlice.view(shape);
            p.grad = gradView;
            _named.Add((name, p));
            return p;
        }

        Wte = Leaf("wte.weight", 0, 0, v, c);
        Wpe = Leaf("wpe.weight", 1, 0, t, c);
        Layers = new Layer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            string h = $"h.{l}.";
            Layers[l] = new Layer(
                Leaf(h + "ln_1.weight", 2, l * c, c), Leaf(h + "ln_1.bias", 3, l * c, c),
                Leaf(h + "attn.c_attn.weight", 4, l * 3 * c * c, 3 * c, c), Leaf(h + "attn.c_attn.bias", 5, l * 3 * c, 3 * c),
                Leaf(h + "attn.c_proj.weight", 6, l * c * c, c, c), Leaf(h + "attn.c_proj.bias", 7, l * c, c),
                Leaf(h + "ln_2.weight", 8, l * c, c), Leaf(h + "ln_2.bias", 9, l * c, c),
                Leaf(h + "mlp.c_fc.weight", 10, l * 4 * c * c, 4 * c, c), Leaf(h + "mlp.c_fc.bias", 11, l * 4 * c, 4 * c),
                Leaf(h + "mlp.c_proj.weight", 12, l * 4 * c * c, c, 4 * c), Leaf(h + "mlp.c_proj.bias", 13, l * c, c));
        }
        LnfW = Leaf("ln_f.weight", 14, 0, c);
        LnfB = Leaf("ln_f.bias", 15, 0, c);
        if (config.ScalarHead)
        {
            HeadW = Leaf("score.weight", 16, 0, 1, c);
            HeadB = Leaf("score.bias", 17, 0, 1);
        }
    }

    /// <summary>One transformer block's weights; matrices are (out, in) as <c>nn.Linear</c> keeps them.</summary>
    public sealed record Layer(
        Parameter Ln1W, Parameter Ln1B, Parameter QkvW, Parameter QkvB, Parameter AttProjW, Parameter AttProjB,
        Parameter Ln2W, Parameter Ln2B, Parameter FcW, Parameter FcB, Parameter FcProjW, Parameter FcProjB);

    public GptConfig Config { get; }
    public Device Device { get; }

    /// <summary>Total number of weights (the length of <see cref="Weights"/>).</summary>
    public long Count { get; }

    /// <summary>(Count) every weight, <see cref="ParameterTensors"/> layout.</summary>
    public Tensor Weights { get; }

    /// <summary>(Count) dL/dweights, same layout; backward adds into it.</summary>
    public Tensor Gradients { get; }

    public Parameter Wte { get; }   // (V, C), also the LM head
    public Parameter Wpe { get; }   // (Tmax, C)
    public Layer[] Layers { get; }
    public Parameter LnfW { get; }  // (C)
    public Parameter LnfB { get; }  // (C)
    public Parameter? HeadW { get; } // (1, C) scalar head
    public Parameter? HeadB { get; } // (1)

    /// <summary>The leaves under Hugging Face GPT-2 names (without the <c>transformer.</c> prefix).</summary>
    public IReadOnlyList<(string Name, Parameter Value)> Named => _named;

    /// <summary>Copies a native block (a checkpoint, another engine's model) in.</summary>
    public void Load(ParameterTensors parameters)
    {
        RequireSameShape(parameters.Config);
        using var _ = no_grad();
        HostTensors.CopyIn(Weights, parameters.Data);
    }

    /// <summary>The weights as a native block (to save a checkpoint, or to run the native engine on them).</summary>
    public ParameterTensors ToParameterTensors()
    {
        var p = new ParameterTensors(Config);
        HostTensors.CopyOut(Weights, p.Data);
        return p;
    }

    /// <summary>The gradients as a native block.</summary>
    public ParameterTensors GradientsToParameterTensors()
    {
        var g = new ParameterTensors(Config);
        HostTensors.CopyOut(Gradients, g.Data);
        return g;
    }

    public void ZeroGrad()
    {
        using var _ = no_grad();
        Gradients.zero_();
    }

    private void RequireSameShape(GptConfig other)
    {
        if (other != Config)
            throw new ArgumentException($"The weights are for a model of shape {other}; this model is {Config}.");
    }

    public void Dispose()
    {
        foreach (var (_, p) in _named)
        {
            p.grad?.Dispose();
            p.Dispose();
        }
        Weights.Dispose();
        Gradients.Dispose();
    }
}

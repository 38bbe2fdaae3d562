using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Inference;

// V = vocab, Tmax = block size, C = channels, L = layers
/// <summary>
/// A GPT's weights laid out for inference, independent of training activations: each linear
/// layer repacked once into <see cref="PackedMatrix"/> panels, the LM head (wteᵀ) too, and a
/// snapshot of the embeddings and LayerNorm parameters. It is a snapshot: after the optimizer
/// changes <see cref="Parameters"/>, call <see cref="Refresh"/> (about one copy of the weights).
/// Thread-safe to share between sessions; it is never written while generating.
/// </summary>
public sealed class InferenceModel
{
    private float[] _data = [];

    public InferenceModel(ParameterTensors parameters)
    {
        Parameters = parameters;
        var cfg = parameters.Config;
        int c = cfg.Channels;
        Qkv = new PackedMatrix[cfg.Layers];
        AttProj = new PackedMatrix[cfg.Layers];
        Fc = new PackedMatrix[cfg.Layers];
        FcProj = new PackedMatrix[cfg.Layers];
        for (int l = 0; l < cfg.Layers; l++)
        {
            Qkv[l] = new PackedMatrix(3 * c, c);
            AttProj[l] = new PackedMatrix(c, c);
            Fc[l] = new PackedMatrix(4 * c, c);
            FcProj[l] = new PackedMatrix(c, 4 * c);
        }
        LmHead = new PackedMatrix(cfg.VocabSize, c);
        Refresh();
    }

    public ParameterTensors Parameters { get; }
    public GptConfig Config => Parameters.Config;

    internal PackedMatrix[] Qkv { get; }      // per layer (3C, C)
    internal PackedMatrix[] AttProj { get; }  // per layer (C, C)
    internal PackedMatrix[] Fc { get; }       // per layer (4C, C)
    internal PackedMatrix[] FcProj { get; }   // per layer (C, 4C)
    internal PackedMatrix LmHead { get; }     // (V, C) = wte

    /// <summary>Snapshot of the parameter block (embeddings, LayerNorms, scalar head are read from it).</summary>
    internal ReadOnlySpan<float> Tensor(int index) => _data.AsSpan(Parameters.OffsetOf(index), Parameters.SizeOf(index));

    /// <summary>Re-reads every weight from <see cref="Parameters"/>.</summary>
    public void Refresh()
    {
        var p = Parameters;
        int c = Config.Channels;
        if (_data.Length != p.Count) _data = new float[p.Count];
        p.Data.AsSpan().CopyTo(_data);
        for (int l = 0; l < Config.Layers; l++)
        {
            Qkv[l].Pack(p.QkvW.Slice(l * 3 * c * c, 3 * c * c), p.QkvB.Slice(l * 3 * c, 3 * c));
            AttProj[l].Pack(p.AttProjW.Slice(l * c * c, c * c), p.AttProjB.Slice(l * c, c));
            Fc[l].Pack(p.FcW.Slice(l * 4 * c * c, 4 * c * c), p.FcB.Slice(l * 4 * c, 4 * c));
            FcProj[l].Pack(p.FcProjW.Slice(l * 4 * c * c, 4 * c * c), p.FcProjB.Slice(l * c, c));
        }
        LmHead.Pack(p.Wte, ReadOnlySpan<float>.Empty);
    }
}

using LabelAndAlign.Engine.Model;
using Xunit;

namespace LabelAndAlign.Tests;

/// <summary>
/// The PyTorch GPT state written by tests/LabelAndAlign.Engine.Tests/Fixtures/make_gpt_golden.py
/// (PyTorch 1.13; layout in that script), read by the native and the torch engine's tests alike.
/// </summary>
internal sealed class GptGolden
{
    public static string FixturePath => System.IO.Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Engine.Tests", "Fixtures", "gpt_golden.bin");

    public GptConfig Config = null!;
    public int B, T, Steps;
    public float Lr, Beta1, Beta2, Eps, WeightDecay, Loss;
    public float[] Params = [], Logits = [], Grads = [], StepLosses = [];
    public int[] Tokens = [], Targets = [];

    public static GptGolden Load()
    {
        using var r = new BinaryReader(File.OpenRead(FixturePath));
        Assert.Equal(0x474F4C44, r.ReadInt32());
        Assert.Equal(1, r.ReadInt32());
        var g = new GptGolden();
        int v = r.ReadInt32(), tmax = r.ReadInt32(), c = r.ReadInt32(), l = r.ReadInt32(), nh = r.ReadInt32();
        g.B = r.ReadInt32();
        g.T = r.ReadInt32();
        g.Steps = r.ReadInt32();
        g.Config = new GptConfig { VocabSize = v, BlockSize = tmax, Channels = c, Layers = l, Heads = nh };
        g.Lr = r.ReadSingle(); g.Beta1 = r.ReadSingle(); g.Beta2 = r.ReadSingle(); g.Eps = r.ReadSingle(); g.WeightDecay = r.ReadSingle();
        int count = new ParameterTensors(g.Config).Count, n = g.B * g.T;
        g.Params = Floats(r, count);
        g.Tokens = Ints(r, n);
        g.Targets = Ints(r, n);
        g.Logits = Floats(r, n * v);
        g.Loss = r.ReadSingle();
        g.Grads = Floats(r, count);
        g.StepLosses = Floats(r, g.Steps);
        Assert.Equal(r.BaseStream.Length, r.BaseStream.Position);
        return g;
    }

    /// <summary>The golden weights as a native block.</summary>
    public ParameterTensors Parameters()
    {
        var p = new ParameterTensors(Config);
        Params.CopyTo(p.Data, 0);
        return p;
    }

    /// <summary>
    /// Asserts every tensor of <paramref name="grads"/> (the <see cref="ParameterTensors"/> layout) is within
    /// 1e-3 of PyTorch's, relative to that tensor's largest PyTorch gradient.
    /// </summary>
    public void AssertGradients(ReadOnlySpan<float> grads)
    {
        var layout = ParameterTensors.Layout(Config);
        for (int t = 0; t < layout.Length; t++)
        {
            int off = (int)layout[t].Offset, n = (int)layout[t].Size;
            if (n == 0) continue;
            float scale = 0, err = 0;
            for (int i = 0; i < n; i++)
            {
                scale = Math.Max(scale, Math.Abs(Grads[off + i]));
                err = Math.Max(err, Math.Abs(grads[off + i] - Grads[off + i]));
            }
            Assert.True(scale > 0, $"{ParameterTensors.Names[t]}: PyTorch gradient is all zero");
            Assert.True(err <= 1e-3f * scale, $"{ParameterTensors.Names[t]}: max error {err} vs max |grad| {scale}");
        }
    }

    private static float[] Floats(BinaryReader r, int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.ReadSingle(); return a; }
    private static int[] Ints(BinaryReader r, int n) { var a = new int[n]; for (int i = 0; i < n; i++) a[i] = r.ReadInt32(); return a; }
}

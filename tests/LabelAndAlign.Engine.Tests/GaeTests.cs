using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class GaeTests
{
    [Fact]
    public void Compute_MatchesPyTorchOverMaskedRows()
    {
        var s = Section("gae");
        int B = Int(s, "B"), T = Int(s, "T");
        float[] rewards = Floats(s, "rewards"), values = Floats(s, "values"), mask = Floats(s, "mask");
        foreach (var c in s["cases"]!.AsArray())
        {
            var adv = new float[B * T];
            var ret = new float[B * T];
            Gae.Compute(rewards, values, mask, adv, ret, B, T, Float(c!, "gamma"), Float(c!, "lambda"));
            Close(Floats(c!, "advantages"), adv, $"advantages γ={c!["gamma"]}");
            Close(Floats(c!, "returns"), ret, $"returns γ={c!["gamma"]}");
        }
    }

    [Fact]
    public void ComputeSegments_MatchesCleanRlLoop()
    {
        var s = Section("gae_segments");
        int E = Int(s, "E"), T = Int(s, "T");
        var adv = new float[E * T];
        var ret = new float[E * T];
        Gae.ComputeSegments(Floats(s, "rewards"), Floats(s, "values"), Floats(s, "dones"), Floats(s, "bootstrap"), adv, ret,
            E, T, Float(s, "gamma"), Float(s, "lambda"));
        Close(Floats(s, "advantages"), adv, "advantages");
        Close(Floats(s, "returns"), ret, "returns");
    }

    [Fact]
    public void Compute_SingleToken_IsRewardMinusValue()
    {
        float[] adv = new float[3], ret = new float[3];
        Gae.Compute([0f, 2f, 0f], [0f, 0.5f, 0f], [0f, 1f, 0f], adv, ret, 1, 3, 1f, 0.95f);
        Assert.Equal([0f, 1.5f, 0f], adv);
        Assert.Equal([0f, 2f, 0f], ret);
    }

    [Fact]
    public void Compute_ThrowsOnShortBuffer() =>
        Assert.Throws<ArgumentException>(() => Gae.Compute(new float[6], new float[6], new float[5], new float[6], new float[6], 2, 3, 1f, 0.95f));

    [Fact]
    public void Compute_ThrowsOnGammaAboveOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(new float[2], new float[2], new float[2], new float[2], new float[2], 1, 2, 1.5f, 0.95f));

    [Fact]
    public void ComputeSegments_ThrowsOnMissingBootstrap() =>
        Assert.Throws<ArgumentException>(() => Gae.ComputeSegments(new float[4], new float[4], new float[4], new float[1], new float[4], new float[4], 2, 2, 0.99f, 0.95f));
}

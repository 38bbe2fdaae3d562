using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class DpoLossTests
{
    internal static JsonObject Fixture() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "trainers", "dpo_reward_losses.json")))!.AsObject();

    private static double[] D(JsonNode? n) => n!.AsArray().Select(x => x!.GetValue<double>()).ToArray();

    [Fact]
    public void Pair_EveryVariant_MatchesTorchLossAndGradient()
    {
        var f = Fixture();
        double[] pc = D(f["policy_chosen"]), pr = D(f["policy_rejected"]), rc = D(f["ref_chosen"]), rr = D(f["ref_rejected"]);
        double[] lc = D(f["len_chosen"]), lr = D(f["len_rejected"]);
        int checkedCases = 0;
        foreach (var c in f["dpo"]!.AsArray())
        {
            var type = DpoLoss.Parse(c!["loss_type"]!.GetValue<string>());
            double beta = c["beta"]!.GetValue<double>(), eps = c["label_smoothing"]!.GetValue<double>();
            double[] losses = D(c["losses"]), dc = D(c["d_chosen"]), dr = D(c["d_rejected"]);
            for (int i = 0; i < pc.Length; i++)
            {
                var (loss, gC, gR) = DpoLoss.Pair(type, beta, eps, pc[i], pr[i], rc[i], rr[i], (int)lc[i], (int)lr[i]);
                Assert.Equal(losses[i], loss, 1e-5);
                Assert.Equal(dc[i], gC, 1e-5);
                Assert.Equal(dr[i], gR, 1e-5);
            }
            checkedCases++;
        }
        Assert.Equal(8, checkedCases);
    }

    [Fact]
    public void Pair_SigmoidAtZeroDelta_IsLog2()
    {
        var (loss, dc, dr) = DpoLoss.Pair(DpoLossType.Sigmoid, 0.1, 0, -5, -7, -5, -7);
        Assert.Equal(Math.Log(2), loss, 1e-12);
        Assert.Equal(-0.05, dc, 1e-12);
        Assert.Equal(0.05, dr, 1e-12);
    }

    [Fact]
    public void LogSigmoid_IsStableForLargeInputs()
    {
        Assert.Equal(-1000, DpoLoss.LogSigmoid(-1000), 1e-9);
        Assert.Equal(0, DpoLoss.LogSigmoid(1000), 1e-12);
    }

    [Fact]
    public void Parse_Throws_OnUnknownLossType() => Assert.Throws<ArgumentException>(() => DpoLoss.Parse("kto"));

    [Fact]
    public void DpoOptions_Validate_Throws_OnBadValues()
    {
        Assert.Throws<ArgumentException>(() => new DpoOptions { Beta = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new DpoOptions { LabelSmoothing = 0.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new DpoOptions { LossType = DpoLossType.Hinge, LabelSmoothing = 0.1 }.Validate());
    }
}

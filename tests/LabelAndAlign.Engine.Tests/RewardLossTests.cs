using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class RewardLossTests
{
    [Fact]
    public void Compute_MatchesTorch_WithMarginAndCentring()
    {
        var f = DpoLossTests.Fixture();
        int n = 0;
        foreach (var c in f["reward"]!.AsArray())
        {
            float[] F(string k) => c![k]!.AsArray().Select(x => (float)x!.GetValue<double>()).ToArray();
            double[] D(string k) => c![k]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
            var chosen = F("chosen");
            var rejected = F("rejected");
            var margin = F("margin");
            var dc = new double[chosen.Length];
            var dr = new double[chosen.Length];
            double loss = RewardLoss.Compute(chosen, rejected, margin, c!["center_rewards_coefficient"]!.GetValue<double>(), dc, dr);
            Assert.Equal(c["loss"]!.GetValue<double>(), loss, 1e-5);
            var ec = D("d_chosen");
            var er = D("d_rejected");
            for (int i = 0; i < dc.Length; i++)
            {
                Assert.Equal(ec[i], dc[i], 1e-5);
                Assert.Equal(er[i], dr[i], 1e-5);
            }
            n++;
        }
        Assert.Equal(3, n);
    }

    [Fact]
    public void Compute_Throws_OnMismatchedLengths() =>
        Assert.Throws<ArgumentException>(() => RewardLoss.Compute([1f, 2f], [1f], default, 0, new double[2], new double[2]));
}

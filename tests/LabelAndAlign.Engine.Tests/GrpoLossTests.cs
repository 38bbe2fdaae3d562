using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class GrpoLossTests
{
    private static GrpoLossType Parse(string name) => name switch
    {
        "grpo" => GrpoLossType.Grpo,
        "dr_grpo" => GrpoLossType.DrGrpo,
        "dapo" => GrpoLossType.Dapo,
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void Compute_EveryLossTypeWithAndWithoutBeta_MatchesPyTorch()
    {
        var s = Section("grpo_loss");
        int B = Int(s, "B"), T = Int(s, "T");
        float[] logp = Floats(s, "logp"), oldLogp = Floats(s, "old_logp"), refLogp = Floats(s, "ref_logp");
        float[] adv = Floats(s, "advantages"), mask = Floats(s, "mask");
        int cases = 0;
        foreach (var c in s["cases"]!.AsArray())
        {
            var options = new GrpoLossOptions
            {
                LossType = Parse(c!["loss_type"]!.GetValue<string>()),
                Beta = Float(c, "beta"),
                Epsilon = Float(c, "epsilon"),
                EpsilonHigh = Float(c, "epsilon_high"),
                MaxCompletionLength = Int(s, "max_completion_length"),
            };
            string what = $"{options.LossType} β={options.Beta} ε_high={options.EpsilonHigh}";
            var grad = new float[B * T];
            var stats = GrpoLoss.Compute(logp, oldLogp, refLogp, adv, mask, grad, B, T, options);
            Close(Float(c, "loss"), stats.Loss, what + " loss");
            Close(Floats(c, "grad"), grad, what + " ∂loss/∂logp");
            Close(Float(c, "kl"), stats.Kl, what + " kl");
            Close(Float(c, "clip_low"), stats.ClipRatioLow, what + " clip_ratio/low_mean");
            Close(Float(c, "clip_high"), stats.ClipRatioHigh, what + " clip_ratio/high_mean");
            Close(Float(c, "clip_region"), stats.ClipRatioRegion, what + " clip_ratio/region_mean");
            cases++;
        }
        Assert.Equal(12, cases);
    }

    [Fact]
    public void Compute_FirstIteration_LossIsZeroForCentredAdvantages()
    {
        // ρ = 1 and advantages that sum to zero over equal-length rows: TRL #3857's expected 0.
        float[] logp = [-1f, -2f, -0.5f, -3f];
        var stats = GrpoLoss.Compute(logp, logp, [], [1f, -1f], [1f, 1f, 1f, 1f], [], 2, 2, new GrpoLossOptions());
        Assert.Equal(0f, stats.Loss, 7);
    }

    [Fact]
    public void Compute_DapoTokenCount_ScalesTheLoss()
    {
        float[] logp = [-1f, -2f];
        var own = GrpoLoss.Compute(logp, logp, [], [1f], [1f, 1f], [], 1, 2, new GrpoLossOptions());
        var accumulated = GrpoLoss.Compute(logp, logp, [], [1f], [1f, 1f], [], 1, 2, new GrpoLossOptions(), dapoTokenCount: 8f);
        Assert.Equal(own.Loss / 4f, accumulated.Loss, 6);
    }

    [Fact]
    public void Compute_ThrowsWhenBetaNeedsReference() =>
        Assert.Throws<ArgumentException>(() => GrpoLoss.Compute(new float[2], new float[2], [], new float[1], [1f, 1f], [], 1, 2,
            new GrpoLossOptions { Beta = 0.04f }));

    [Fact]
    public void Compute_ThrowsWhenMaxCompletionLengthIsShorterThanRows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpoLoss.Compute(new float[4], new float[4], [], new float[1], new float[4], [], 1, 4,
            new GrpoLossOptions { LossType = GrpoLossType.DrGrpo, MaxCompletionLength = 3 }));
}

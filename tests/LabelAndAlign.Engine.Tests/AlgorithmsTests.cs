using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public sealed class AlgorithmsTests
{
    [Fact]
    public void WireNames_RoundTrip_AndMatchTheTrainersCheckpointNames()
    {
        Assert.Equal(["sft", "reward", "dpo", "ppo", "grpo"], Algorithms.All.Select(a => a.WireName()));
        foreach (var a in Algorithms.All)
        {
            Assert.Equal(a, Algorithms.TryParse($" {a.WireName().ToUpperInvariant()} "));
            Assert.Equal(a, AlgorithmOptions.Defaults(a).Algorithm);
        }
        Assert.Null(Algorithms.TryParse("kto"));
        Assert.Equal("sft, reward, dpo, ppo or grpo", Algorithms.Names);
        Assert.Equal("sft", new SftTrainer(TrainerTestKit.SftRows(2), 0, TrainerTestKit.Shape()).Name);
    }
}

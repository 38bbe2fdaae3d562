using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class RewardTrainerTests
{
    [Fact]
    public void Run_AccuracyRisesOnHeldOutPairs()
    {
        var shape = TrainerTestKit.Shape(scalarHead: true);
        var model = new Gpt(shape, 6);
        var train = TrainerTestKit.SentimentPairs(96, seed: 1);
        var heldOut = TrainerTestKit.SentimentPairs(32, seed: 2);
        int pad = TrainerTestKit.Tokenizer.PadId;
        double before = RewardTrainer.Accuracy(model, heldOut, pad);
        var sink = new MemoryMetricsSink();
        new Trainer(model, new RewardTrainer(train, pad, shape, new RewardOptions { CenterRewardsCoefficient = 0.01 }),
            new TrainerOptions { MaxSteps = 30, BatchSize = 16, LearningRate = 3e-3f }, sink).Run();
        double after = RewardTrainer.Accuracy(model, heldOut, pad);
        Assert.True(after >= 0.9, $"held-out accuracy {before} → {after}");
        var loss = sink.Series("loss");
        Assert.True(loss[^3..].Average() < loss[0] * 0.5, $"loss {loss[0]} → {loss[^1]}");
        foreach (var name in new[] { "accuracy", "min_reward", "mean_reward", "max_reward", "margin", "num_tokens" })
            Assert.NotEmpty(sink.Series(name));
    }

    [Fact]
    public void RewardTrainer_Throws_WithoutAScalarHead() =>
        Assert.Throws<ArgumentException>(() => new RewardTrainer(TrainerTestKit.SentimentPairs(2), 0, TrainerTestKit.Shape(scalarHead: false)));

    [Fact]
    public void RewardTrainer_DropsPairsLongerThanMaxLength()
    {
        var pairs = TrainerTestKit.SentimentPairs(4);
        pairs.Add(new TokenizedPreference(pairs[0].Prompt, Enumerable.Repeat(pairs[0].Chosen[0], 60).ToArray(), pairs[0].Rejected));
        var rm = new RewardTrainer(pairs, 0, TrainerTestKit.Shape(scalarHead: true));
        Assert.Equal(1, rm.DroppedPairs);
        Assert.Equal(4, rm.ExampleCount);
    }
}

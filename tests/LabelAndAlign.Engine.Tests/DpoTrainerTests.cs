using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class DpoTrainerTests
{
    [Theory]
    [InlineData(DpoLossType.Sigmoid, 0.0)]
    [InlineData(DpoLossType.Sigmoid, 0.1)]
    [InlineData(DpoLossType.Robust, 0.1)]
    [InlineData(DpoLossType.Ipo, 0.0)]
    [InlineData(DpoLossType.Hinge, 0.0)]
    public void Run_MarginsGrowAndChosenBecomesMoreLikely(DpoLossType type, double smoothing)
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var pairs = TrainerTestKit.SentimentPairs(64);
        var sink = new MemoryMetricsSink();
        var dpo = new DpoTrainer(pairs, reference, TrainerTestKit.Tokenizer.PadId, new DpoOptions { Beta = 0.1, LossType = type, LabelSmoothing = smoothing });
        new Trainer(model, dpo, new TrainerOptions { MaxSteps = 25, BatchSize = 8, LearningRate = 2e-3f, LrSchedulerType = LrSchedulerType.Constant }, sink).Run();
        var margins = sink.Series("rewards/margins");
        Assert.True(Math.Abs(margins[0]) < 0.05, $"first margin {margins[0]} should be ≈ 0 (policy = reference)");
        Assert.True(margins[^3..].Average() > 0.5, $"margins {margins[0]} → {margins[^1]}");
        Assert.True(sink.Series("rewards/accuracies")[^3..].Average() > 0.9);
        foreach (var name in new[] { "loss", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected", "logits/chosen", "logits/rejected", "num_tokens" })
            Assert.NotEmpty(sink.Series(name));
    }

    [Fact]
    public void Accumulate_GradientMatchesFiniteDifferenceOfTheLoss()
    {
        var model = TrainerTestKit.SftModel(steps: 10);
        var reference = TrainerTestKit.Copy(model.Parameters);
        var pairs = TrainerTestKit.SentimentPairs(4);
        var dpo = new DpoTrainer(pairs, reference, TrainerTestKit.Tokenizer.PadId, new DpoOptions { Beta = 0.5 });
        // Move the policy off the reference so the loss is not at its symmetric point.
        for (int i = 0; i < model.Parameters.Count; i += 7) model.Parameters.Data[i] += 0.01f * MathF.Sin(i);
        int[] all = [0, 1, 2, 3];
        var trainable = new NativeTrainableGpt(model, new AdamWOptions());
        model.ZeroGrad();
        dpo.Accumulate(trainable, all, 1f, new MetricBag());
        var grad = model.Gradients.Data.ToArray();
        int idx = model.Parameters.OffsetOf(Array.IndexOf(ParameterTensors.Names, "lnfw")) + 3;
        float h = 1e-2f, x = model.Parameters.Data[idx];
        model.Parameters.Data[idx] = x + h;
        double up = dpo.Accumulate(trainable, all, 1f, new MetricBag());
        model.Parameters.Data[idx] = x - h;
        double down = dpo.Accumulate(trainable, all, 1f, new MetricBag());
        model.Parameters.Data[idx] = x;
        Assert.Equal((up - down) / (2 * h), grad[idx], 2e-3);
    }

    [Fact]
    public void DpoTrainer_Throws_WhenNoPairFits()
    {
        var reference = new Gpt(TrainerTestKit.Shape(), 1).Parameters;
        var pairs = TrainerTestKit.SentimentPairs(2);
        Assert.Throws<ArgumentException>(() => new DpoTrainer(pairs, reference, 0, new DpoOptions { MaxLength = 3 }));
    }
}

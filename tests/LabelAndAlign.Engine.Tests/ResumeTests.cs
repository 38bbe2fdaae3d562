using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Interrupt-and-resume runs of each trainer must reproduce the uninterrupted run bit for bit.</summary>
public class ResumeTests
{
    /// <summary>
    /// Runs <paramref name="setup"/> three times: uninterrupted; cancelled after <paramref name="cancelAt"/> steps
    /// (which saves a checkpoint); and a fresh setup resumed from that checkpoint. Asserts every metric in
    /// <paramref name="series"/> and the final weights are identical; returns the three algorithms (full, first, resumed).
    /// </summary>
    internal static (ITrainingAlgorithm Full, ITrainingAlgorithm Resumed) AssertResumeIdentical(
        Func<(Gpt Model, ITrainingAlgorithm Algorithm)> setup, TrainerOptions options, int cancelAt, params string[] series)
    {
        using var dir = new TempDirectory();
        var (m1, a1) = setup();
        var full = new MemoryMetricsSink();
        new Trainer(m1, a1, options, full).Run();

        var (m2, a2) = setup();
        var first = new MemoryMetricsSink();
        using var cancel = new CancellationTokenSource();
        var r = new Trainer(m2, a2, options with { OutputDir = dir.Path, SaveSteps = 0 }, new CancelAtStep(first, cancelAt, cancel)).Run(cancel.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(cancelAt, r.Step);
        string checkpoint = Trainer.LatestCheckpoint(dir.Path)!;
        Assert.EndsWith($"checkpoint-{cancelAt}", checkpoint);

        var (m3, a3) = setup();
        GradCheck.Normal(m3.Parameters.Count, 77, 0.02f).CopyTo(m3.Parameters.Data, 0); // everything must come from the checkpoint
        var second = new MemoryMetricsSink();
        var resumed = new Trainer(m3, a3, options with { OutputDir = dir.Path }, second);
        resumed.Resume(checkpoint);
        resumed.Run();

        foreach (var name in series.Prepend("loss"))
        {
            var expected = full.Series(name);
            var got = first.Series(name).Concat(second.Series(name)).ToArray();
            Assert.True(expected.Length > 0, $"no '{name}' metric");
            Assert.Equal(expected.Length, got.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(expected[i].Equals(got[i]), $"{name}[{i}]: uninterrupted {expected[i]:R}, resumed {got[i]:R}");
        }
        Assert.Equal(m1.Parameters.Data, m3.Parameters.Data);
        return (a1, a3);
    }

    private sealed class CancelAtStep(IMetricsSink inner, int step, CancellationTokenSource cancel) : IMetricsSink
    {
        public void Report(int s, string name, double value, DateTimeOffset time)
        {
            inner.Report(s, name, value, time);
            if (s == step) cancel.Cancel();
        }
    }

    private static readonly FunctionReward StartsPositive = new("starts_positive",
        (_, completion) => completion.TrimStart().StartsWith("great", StringComparison.Ordinal) ? 1 : 0);

    [Fact]
    public void Grpo_Resume_ContinuesWithIdenticalLosses()
    {
        var prompts = new SentimentPack().Prompts(1, 16);
        AssertResumeIdentical(() =>
        {
            var model = TrainerTestKit.SftModel();
            var reference = TrainerTestKit.Copy(model.Parameters);
            return (model, new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], reference,
                new GrpoOptions { NumGenerations = 4, MaxCompletionLength = 6, Beta = 0.04f }, seed: 3));
        }, new TrainerOptions { MaxSteps = 6, BatchSize = 8, LearningRate = 3e-3f, Seed = 5 }, cancelAt: 3, "reward");
    }

    [Fact]
    public void Dpo_Resume_ContinuesWithIdenticalLosses()
    {
        var pairs = TrainerTestKit.SentimentPairs(24);
        AssertResumeIdentical(() =>
        {
            var model = TrainerTestKit.SftModel();
            var reference = TrainerTestKit.Copy(model.Parameters);
            return (model, new DpoTrainer(pairs, reference, TrainerTestKit.Tokenizer.PadId, new DpoOptions { Beta = 0.1 }));
        }, new TrainerOptions { MaxSteps = 6, BatchSize = 8, LearningRate = 2e-3f, WarmupSteps = 2, Seed = 5 }, cancelAt: 4);
    }

    [Fact]
    public void Reward_Resume_ContinuesWithIdenticalLosses()
    {
        var pairs = TrainerTestKit.SentimentPairs(24);
        var shape = TrainerTestKit.Shape(scalarHead: true);
        AssertResumeIdentical(() =>
        {
            var model = new Gpt(shape, 4);
            return (model, new RewardTrainer(pairs, TrainerTestKit.Tokenizer.PadId, shape, new RewardOptions { CenterRewardsCoefficient = 0.01 }));
        }, new TrainerOptions { MaxSteps = 6, BatchSize = 8, LearningRate = 3e-3f, WarmupSteps = 2, Seed = 5 }, cancelAt: 4);
    }
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public class GrpoTrainerTests
{
    /// <summary>Programmatic reward: 1 when the review's first word is a positive adjective.</summary>
    private static readonly FunctionReward StartsPositive = new("starts_positive",
        (_, completion) => completion.TrimStart().StartsWith("great", StringComparison.Ordinal) || completion.TrimStart().StartsWith("wonderful", StringComparison.Ordinal) ? 1 : 0);

    [Theory]
    [InlineData(GrpoLossType.Dapo, RewardScaling.Group, 0f)]
    [InlineData(GrpoLossType.Grpo, RewardScaling.Batch, 0.04f)]
    [InlineData(GrpoLossType.DrGrpo, RewardScaling.None, 0f)]
    public void Run_RewardRises(GrpoLossType lossType, RewardScaling scaling, float beta)
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var prompts = new SentimentPack().Prompts(1, 64);
        var sink = new MemoryMetricsSink();
        var grpo = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], reference,
            new GrpoOptions { NumGenerations = 8, MaxCompletionLength = 8, Beta = beta, LossType = lossType, ScaleRewards = scaling }, seed: 3);
        new Trainer(model, grpo, new TrainerOptions { MaxSteps = 30, BatchSize = 8, LearningRate = 3e-3f, LrSchedulerType = LrSchedulerType.Constant }, sink).Run();
        var reward = sink.Series("reward");
        Assert.True(reward[^5..].Average() > reward[..5].Average() + 0.3, $"reward {string.Join(" ", reward.Select(r => r.ToString("0.00")))}");
        Assert.Equal(reward, sink.Series("rewards/starts_positive/mean"));
        foreach (var name in new[] { "reward_std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio", "entropy", "clip_ratio/region_mean", "num_tokens" })
            Assert.NotEmpty(sink.Series(name));
        Assert.Equal(beta > 0, sink.Series("kl").Length > 0);
    }

    [Fact]
    public void Run_NumIterations_ReusesTheRolloutAndClips()
    {
        var model = TrainerTestKit.SftModel(steps: 20);
        var prompts = new SentimentPack().Prompts(1, 16);
        var sink = new MemoryMetricsSink();
        var grpo = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], null,
            new GrpoOptions { NumGenerations = 4, MaxCompletionLength = 6, NumIterations = 3 }, seed: 3);
        new Trainer(model, grpo, new TrainerOptions { MaxSteps = 6, BatchSize = 4, LearningRate = 1e-2f, LrSchedulerType = LrSchedulerType.Constant }, sink).Run();
        var reward = sink.Series("reward");
        Assert.Equal(2, reward.Length); // one rollout per 3 steps
        Assert.Equal(6, sink.Series("loss").Length);
    }

    [Theory]
    [InlineData(4)] // mid-batch: one of the batch's three iterations done, two to go
    [InlineData(5)] // mid-batch: only the batch's last iteration to go
    [InlineData(6)] // at a batch boundary: the next step generates
    public void Resume_NumIterations_ContinuesWithIdenticalMetrics(int cancelAt)
    {
        // μ = 3 over 9 steps: batches at steps 0, 3, 6. β > 0 so reference log-probs are part of the rollout;
        // two micro-batches per step so the rollout is read at an offset.
        var prompts = new SentimentPack().Prompts(1, 16);
        ResumeTests.AssertResumeIdentical(() =>
        {
            var model = TrainerTestKit.SftModel();
            var reference = TrainerTestKit.Copy(model.Parameters);
            return (model, new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], reference,
                new GrpoOptions { NumGenerations = 4, MaxCompletionLength = 6, Beta = 0.04f, NumIterations = 3 }, seed: 3));
        }, new TrainerOptions { MaxSteps = 9, BatchSize = 2, GradientAccumulationSteps = 2, LearningRate = 1e-2f, LrSchedulerType = LrSchedulerType.Constant, Seed = 5 },
            cancelAt, "reward", "rewards/starts_positive/mean", "kl", "entropy", "clip_ratio/region_mean", "num_tokens", "completions/mean_length", "grad_norm");
    }

    [Fact]
    public void Checkpoint_HoldsTheBatch_OnlyBetweenItsIterations()
    {
        using var dir = new TempDirectory();
        var model = TrainerTestKit.SftModel(steps: 20);
        var prompts = new SentimentPack().Prompts(1, 8);
        var options = new GrpoOptions { NumGenerations = 2, MaxCompletionLength = 4, NumIterations = 2 };
        var grpo = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], null, options, seed: 1);
        new Trainer(model, grpo, new TrainerOptions { MaxSteps = 2, BatchSize = 2, SaveSteps = 1, OutputDir = dir.Path }).Run();
        string StateAt(int step)
        {
            var json = Checkpoint.LoadOptimizer(Path.Combine(dir.Path, Trainer.CheckpointPrefix + step), model.Parameters.Count)!.Value.TrainerStateJson!;
            return JsonNode.Parse(json)!["algorithm_state"]!.ToJsonString();
        }
        string mid = StateAt(1), boundary = StateAt(2);
        Assert.Contains("\"rollout\"", mid);
        Assert.DoesNotContain("\"rollout\"", boundary);
        var other = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], null, options, seed: 1);
        other.LoadState(mid);
        Assert.Equal(mid, other.SaveState()); // exact round trip
    }

    [Fact]
    public void LoadState_Throws_WhenTheRolloutDoesNotFitTheRun()
    {
        var model = TrainerTestKit.SftModel(steps: 20);
        var prompts = new SentimentPack().Prompts(1, 8);
        var withKl = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], TrainerTestKit.Copy(model.Parameters),
            new GrpoOptions { NumGenerations = 2, MaxCompletionLength = 4, NumIterations = 2, Beta = 0.1f }, seed: 1);
        new Trainer(model, withKl, new TrainerOptions { MaxSteps = 1, BatchSize = 2 }).Run();
        string state = withKl.SaveState()!;
        var noKl = new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [StartsPositive], null, withKl.Options with { Beta = 0 });
        Assert.Contains("beta", Assert.Throws<InvalidDataException>(() => noKl.LoadState(state)).Message);
        var fewerPrompts = new GrpoTrainer(prompts.Take(1).ToList(), TrainerTestKit.Tokenizer, [StartsPositive], TrainerTestKit.Copy(model.Parameters), withKl.Options);
        Assert.Throws<InvalidDataException>(() => fewerPrompts.LoadState(state));
    }

    [Fact]
    public void GrpoOptions_Validate_Throws_OnBadValues()
    {
        Assert.Throws<ArgumentException>(() => new GrpoOptions { NumGenerations = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new GrpoOptions { Temperature = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new GrpoOptions { NumIterations = 0 }.Validate());
    }

    [Fact]
    public void GrpoTrainer_Throws_WhenBetaHasNoReference() =>
        Assert.Throws<ArgumentException>(() => new GrpoTrainer(new SentimentPack().Prompts(1, 2), TrainerTestKit.Tokenizer, [StartsPositive], null, new GrpoOptions { Beta = 0.1f }));
}

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
        new Trainer(model, grpo, new TrainerOptions { MaxSteps = 30, BatchSize = 8, LearningRate = 3e-3f, CosineSchedule = false }, sink).Run();
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
        new Trainer(model, grpo, new TrainerOptions { MaxSteps = 6, BatchSize = 4, LearningRate = 1e-2f, CosineSchedule = false }, sink).Run();
        var reward = sink.Series("reward");
        Assert.Equal(2, reward.Length); // one rollout per 3 steps
        Assert.Equal(6, sink.Series("loss").Length);
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

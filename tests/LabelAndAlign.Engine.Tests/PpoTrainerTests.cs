using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public class PpoTrainerTests
{
    private static readonly FunctionReward StartsPositive = new("starts_positive",
        (_, completion) => completion.TrimStart().StartsWith("great", StringComparison.Ordinal) || completion.TrimStart().StartsWith("wonderful", StringComparison.Ordinal) ? 1 : 0);

    [Theory]
    [InlineData(KlEstimator.K1, false)]
    [InlineData(KlEstimator.K3, true)]
    public void Run_ScoresRise(KlEstimator kl, bool adaptive)
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var prompts = new SentimentPack().Prompts(1, 64);
        var sink = new MemoryMetricsSink();
        var ppo = new PpoTrainer(prompts, TrainerTestKit.Tokenizer, StartsPositive, reference,
            new PpoOptions { MaxCompletionLength = 8, KlEstimator = kl, AdaptiveKl = adaptive, KlCoef = adaptive ? 0.2f : 0.05f, Temperature = 1f, MissingEosPenalty = 1f }, seed: 3);
        new Trainer(model, ppo, new TrainerOptions { MaxSteps = 48, BatchSize = 16, LearningRate = 3e-3f, LrSchedulerType = LrSchedulerType.Constant }, sink).Run();
        var scores = sink.Series("objective/scores");
        Assert.Equal(12, scores.Length); // one rollout per 4 PPO epochs
        Assert.True(scores[^3..].Average() > scores[..3].Average() + 0.25, $"scores {string.Join(" ", scores.Select(r => r.ToString("0.00")))}");
        foreach (var name in new[] { "objective/kl", "objective/entropy", "objective/non_score_reward", "objective/rlhf_reward", "policy/approxkl_avg",
                     "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg", "policy/entropy_avg", "val/ratio", "val/num_eos_tokens", "lr", "episode" })
            Assert.NotEmpty(sink.Series(name));
        Assert.Equal(12 * 16, sink.Series("episode")[^1]);
    }

    [Fact]
    public void Run_FirstEpochRatioIsOne_AndValueLossFalls()
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var sink = new MemoryMetricsSink();
        var length = new FunctionReward("length", (_, c) => c.Length / 10.0);
        var ppo = new PpoTrainer(new SentimentPack().Prompts(1, 32), TrainerTestKit.Tokenizer, length, reference,
            new PpoOptions { MaxCompletionLength = 6 }, seed: 2);
        new Trainer(model, ppo, new TrainerOptions { MaxSteps = 16, BatchSize = 16, LearningRate = 1e-3f, LrSchedulerType = LrSchedulerType.Constant }, sink).Run();
        var ratio = sink.Series("val/ratio");
        Assert.Equal(1.0, ratio[0], 1e-4);
        Assert.Equal(0.0, sink.Series("policy/clipfrac_avg")[0]);
        var vf = sink.Series("loss/value_avg");
        Assert.True(vf[^4..].Average() < vf[..4].Average(), $"value loss {string.Join(" ", vf.Select(v => v.ToString("0.000")))}");
    }

    [Theory]
    [InlineData(6)] // mid-batch: between PPO epochs of one rollout
    [InlineData(4)] // at a rollout boundary
    public void Resume_FromCheckpoint_ContinuesWithIdenticalLosses(int cancelAt)
    {
        // Adaptive KL (its coefficient moves), so the controller, value model, its AdamW and the rollout must all be restored.
        var prompts = new SentimentPack().Prompts(1, 32);
        var (full, resumed) = ResumeTests.AssertResumeIdentical(() =>
        {
            var model = TrainerTestKit.SftModel();
            var reference = TrainerTestKit.Copy(model.Parameters);
            return (model, new PpoTrainer(prompts, TrainerTestKit.Tokenizer, StartsPositive, reference,
                new PpoOptions { MaxCompletionLength = 6, AdaptiveKl = true, KlCoef = 0.2f, KlTarget = 0.5f, KlHorizon = 100, Temperature = 1f }, seed: 3));
        }, new TrainerOptions { MaxSteps = 12, BatchSize = 8, GradientAccumulationSteps = 2, LearningRate = 3e-3f, WarmupSteps = 2, Seed = 5 },
            cancelAt, "loss/value_avg", "loss/policy_avg", "objective/kl_coef", "objective/scores", "episode");
        var f = (PpoTrainer)full;
        var r = (PpoTrainer)resumed;
        Assert.NotEqual(0.2f, f.KlCoefficient);
        Assert.Equal(f.KlCoefficient, r.KlCoefficient);
        Assert.Equal(f.ValueModel.Weights().Data, r.ValueModel.Weights().Data);
    }

    [Fact]
    public void Checkpoint_HoldsTheValueModelAndItsOptimizer()
    {
        using var dir = new TempDirectory();
        var model = TrainerTestKit.SftModel();
        var ppo = new PpoTrainer(new SentimentPack().Prompts(1, 8), TrainerTestKit.Tokenizer, StartsPositive, TrainerTestKit.Copy(model.Parameters),
            new PpoOptions { MaxCompletionLength = 4 }, seed: 1);
        new Trainer(model, ppo, new TrainerOptions { MaxSteps = 2, BatchSize = 8, OutputDir = dir.Path }).Run();
        string valueDir = Path.Combine(Trainer.LatestCheckpoint(dir.Path)!, PpoTrainer.ValueModelFolder);
        var (config, weights) = LabelAndAlign.Engine.Checkpoints.Checkpoint.Load(valueDir);
        Assert.True(config.ScalarHead);
        Assert.Equal(ppo.ValueModel.Weights().Data, weights.Data);
        Assert.Equal(2, LabelAndAlign.Engine.Checkpoints.Checkpoint.LoadOptimizer(valueDir, weights.Count)!.Value.State.Step);
    }

    [Fact]
    public void ValueModel_IsAScalarHeadGpt_StartingFromTheReferenceWithAZeroHead()
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var ppo = new PpoTrainer(new SentimentPack().Prompts(1, 4), TrainerTestKit.Tokenizer, StartsPositive, reference);
        var v = ppo.ValueModel.Weights();
        Assert.True(v.Config.ScalarHead);
        Assert.Equal(reference.Data, v.Data.AsSpan(0, reference.Count).ToArray());
        Assert.All(v.HeadW.ToArray(), w => Assert.Equal(0f, w));
        Assert.Equal(0f, v.HeadB[0]);
    }

    [Fact]
    public void PpoOptions_Validate_Throws_OnBadValues()
    {
        Assert.Throws<ArgumentException>(() => new PpoOptions { NumPpoEpochs = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new PpoOptions { ClipRange = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new PpoOptions { Lambda = 2 }.Validate());
    }

    [Fact]
    public void PpoTrainer_Throws_OnAScalarHeadReference() =>
        Assert.Throws<ArgumentException>(() => new PpoTrainer(new SentimentPack().Prompts(1, 2), TrainerTestKit.Tokenizer, StartsPositive,
            new Gpt(TrainerTestKit.Shape(scalarHead: true), 1).Parameters));
}

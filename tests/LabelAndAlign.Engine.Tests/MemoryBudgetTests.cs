using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public sealed class MemoryBudgetTests
{
    private const long Gb = 1L << 30;

    [Fact]
    public void StepBytes_GrowsWithTheRowsOfOnePass_AndARollout()
    {
        var shape = GptConfig.Small;
        var sft = RunSpec.Defaults(Algorithm.Sft);
        long one = MemoryBudget.StepBytes(sft with { Trainer = sft.Trainer with { BatchSize = 1 } }, shape);
        Assert.Equal(8 * one, MemoryBudget.StepBytes(sft with { Trainer = sft.Trainer with { BatchSize = 8 } }, shape));
        var dpo = RunSpec.Defaults(Algorithm.Dpo);
        Assert.Equal(16 * one, MemoryBudget.StepBytes(dpo with { Trainer = dpo.Trainer with { BatchSize = 8 } }, shape)); // chosen and rejected
        var grpo = RunSpec.Defaults(Algorithm.Grpo) with { Options = new GrpoOptions { NumGenerations = 4 } };
        Assert.Equal(32 * one, MemoryBudget.StepBytes(grpo, shape));
    }

    [Fact]
    public void Check_PassesAUsualRun_AndNamesWhatToLowerForAHugeOne()
    {
        MemoryBudget.Check(RunSpec.Defaults(Algorithm.Grpo), GptConfig.Small, 2 * Gb);
        var huge = RunSpec.Defaults(Algorithm.Grpo) with { Options = new GrpoOptions { NumGenerations = 256 } };
        var e = Assert.Throws<RunSpecException>(() => MemoryBudget.Check(huge, GptConfig.Gpt2, 24 * Gb));
        Assert.Equal("num_generations", Assert.Single(e.Errors).Key);
        Assert.Contains("this machine has 24.0 GB", e.Message);
        Assert.Contains("Lower per_device_train_batch_size, gradient_accumulation_steps or num_generations", e.Message);
    }
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Tests;

public sealed class RunKeysTests
{
    public static TheoryData<Algorithm> EveryAlgorithm() => new(Algorithms.All);

    [Theory]
    [MemberData(nameof(EveryAlgorithm))]
    public void EveryKey_HasHelp_UniqueName_AndEveryNumberBothBounds(Algorithm algorithm)
    {
        var keys = RunKeys.Describe(algorithm);
        Assert.Equal(keys.Count, keys.Select(k => k.Key).Distinct().Count());
        foreach (var k in keys)
        {
            Assert.False(string.IsNullOrWhiteSpace(k.Help), k.Key);
            Assert.DoesNotContain('\n', k.Help);
            // The launch form's one line per option says how it relates to TRL (its default, its name there, or that it is ours).
            Assert.Contains("TRL", k.Help);
            if (k.Type is "integer" or "number") Assert.True(k.Min is not null && k.Max is not null, $"{k.Key} has no bounds");
            if (k.Type == "choice") Assert.NotEmpty(k.Choices!);
        }
    }

    [Theory]
    [MemberData(nameof(EveryAlgorithm))]
    public void EveryDefault_IsWithinItsOwnBounds(Algorithm algorithm)
    {
        foreach (var k in RunKeys.Describe(algorithm))
        {
            // Setting each key to its default, alone, is accepted.
            var spec = RunSpecs.Parse(algorithm, new JsonObject { [k.Key] = k.Default?.DeepClone() });
            Assert.Equal(k.Default?.ToJsonString(), RunSpecs.ToJson(spec)[k.Key]?.ToJsonString());
        }
    }

    [Fact]
    public void Describe_GivesTheFormWhatItRenders()
    {
        var beta = RunKeys.Describe(Algorithm.Dpo).Single(k => k.Key == "beta");
        Assert.Equal(("number", "dpo", 0.1, 0.0, true, 1000.0), (beta.Type, beta.Group, beta.Default!.GetValue<double>(), beta.Min!.Value, beta.MinExclusive, beta.Max!.Value));
        Assert.Contains("TRL's default 0.1", beta.Help);
        var loss = RunKeys.Describe(Algorithm.Grpo).Single(k => k.Key == "loss_type");
        Assert.Equal(["dapo", "grpo", "dr_grpo"], loss.Choices);
        var kl = RunKeys.Describe(Algorithm.Ppo).Single(k => k.Key == "stop_on_kl_above");
        Assert.True(kl.Nullable);
        Assert.Null(kl.Default);
        Assert.DoesNotContain(RunKeys.Describe(Algorithm.Sft), k => k.Key == "beta");
    }

    [Fact]
    public void WithKey_NamesTheAlgorithmsThatHaveIt() =>
        Assert.Equal([Algorithm.Ppo, Algorithm.Grpo], RunKeys.WithKey("max_completion_length"));
}

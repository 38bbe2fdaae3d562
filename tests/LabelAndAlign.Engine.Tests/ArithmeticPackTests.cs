using LabelAndAlign.Engine.TaskPacks;

namespace LabelAndAlign.Engine.Tests;

public class ArithmeticPackTests
{
    private readonly ArithmeticPack _pack = new();

    [Fact]
    public void MakePrompt_ReadsLikeTheIssueAndCarriesTheAnswer()
    {
        var p = ArithmeticPack.MakePrompt(12, '+', 7, '-', 3);
        Assert.Equal("Calculate 12+7-3 =", p.Prompt);
        Assert.Equal("16", p.Fields["answer"]);
    }

    [Fact]
    public void Reward_IsExactMatch()
    {
        var p = ArithmeticPack.MakePrompt(4, '+', 7, '-', 3);
        Assert.Equal(1, _pack.Reward(p, " 8"));
        Assert.Equal(0, _pack.Reward(p, " 9"));
        Assert.Equal(0, _pack.Reward(p, " eight"));
    }

    [Fact]
    public void Prefer_CorrectBeatsWrong_CloserBeatsFarther()
    {
        var p = ArithmeticPack.MakePrompt(4, '+', 7, '-', 3);
        Assert.Equal(Preference.First, _pack.Prefer(p, " 8", " 11"));
        Assert.Equal(Preference.Second, _pack.Prefer(p, " 20", " 9"));
        Assert.Equal(Preference.Tie, _pack.Prefer(p, " 7", " 9"));
    }

    [Fact]
    public void SftCorpus_HasTheAnnotatorsSystematicSlip()
    {
        var corpus = _pack.SftCorpus(1, 1000);
        int slips = corpus.Count(e =>
        {
            var parts = e.Prompt!["Calculate ".Length..^2];
            int a = parts[0] - '0', b = parts[2] - '0';
            int firstTwo = parts[1] == '+' ? a + b : a - b;
            return e.Completion!.Trim() == firstTwo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        Assert.InRange(slips / 1000.0, 0.5, 0.7);
    }

    [Fact]
    public void Prompts_HeldOutNeverRepeatsTrainingPrompts()
    {
        var train = _pack.Prompts(1, 500).Select(p => p.Prompt).ToHashSet();
        Assert.DoesNotContain(_pack.HeldOutPrompts(1, 200), p => train.Contains(p.Prompt));
        Assert.DoesNotContain(_pack.SftCorpus(1, 2000), e => _pack.HeldOutPrompts(1, 400).Any(p => p.Prompt == e.Prompt));
    }

    [Fact]
    public void Registry_Throws_OnUnknownPack() => Assert.Throws<ArgumentException>(() => TaskPackRegistry.Get("poetry"));
}

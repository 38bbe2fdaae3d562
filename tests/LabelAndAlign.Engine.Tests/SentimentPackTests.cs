using LabelAndAlign.Engine.TaskPacks;

namespace LabelAndAlign.Engine.Tests;

public class SentimentPackTests
{
    private readonly SentimentPack _pack = new();

    [Fact]
    public void Positivity_CountsLexiconWords_InWellFormedReviews()
    {
        Assert.Equal(2, SentimentPack.Positivity(" great, and I loved it."));
        Assert.Equal(0, SentimentPack.Positivity(" great, but the ending was dull."));
        Assert.Equal(-1, SentimentPack.Positivity(" boring."));
    }

    [Fact]
    public void Positivity_PenalisesSpamAndCutOffReviews()
    {
        Assert.Equal(SentimentPack.IllFormed, SentimentPack.Positivity(" great great great great."));
        Assert.Equal(SentimentPack.IllFormed, SentimentPack.Positivity(" great, and I loved"));
    }

    [Fact]
    public void Prefer_PicksTheMorePositiveReview_OrTie()
    {
        var p = _pack.Prompts(1, 1)[0];
        Assert.Equal(Preference.First, _pack.Prefer(p, " great, and I loved it.", " great."));
        Assert.Equal(Preference.Second, _pack.Prefer(p, " awful.", " okay."));
        Assert.Equal(Preference.Tie, _pack.Prefer(p, " great.", " lovely."));
    }

    [Fact]
    public void SftCorpus_IsSeededMixedAndWellFormed()
    {
        var a = _pack.SftCorpus(1, 300);
        Assert.Equal(a.Select(e => e.Completion), _pack.SftCorpus(1, 300).Select(e => e.Completion));
        var scores = a.Select(e => SentimentPack.Positivity(e.Completion!)).ToArray();
        Assert.DoesNotContain(SentimentPack.IllFormed, scores);
        Assert.Contains(scores, s => s > 0);
        Assert.Contains(scores, s => s < 0);
        Assert.InRange(scores.Average(), -0.3, 0.3);
    }
}

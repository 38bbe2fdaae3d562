using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class ModelMatchupsTests
{
    [Fact]
    public void Compute_SamePairOnEitherSide_IsOneMatchup_FromTheFirstModelsView()
    {
        ModelVote[] votes =
        [
            new("run 2 · step 400", "run 1 · step 100", "a"),   // step 400 wins (shown as a)
            new("run 1 · step 100", "run 2 · step 400", "b"),   // step 400 wins (shown as b)
            new("run 1 · step 100", "run 2 · step 400", "a"),   // step 100 wins
            new("run 1 · step 100", "run 2 · step 400", "tie"),
            new("run 2 · step 400", "run 1 · step 100", "both_bad"),
            new("same", "same", "a"),                           // not a matchup
        ];

        var m = Assert.Single(ModelMatchups.Compute(votes));

        Assert.Equal(("run 1 · step 100", "run 2 · step 400"), (m.First, m.Second));
        Assert.Equal((5, 1, 2, 1, 1), (m.Votes, m.FirstWins, m.SecondWins, m.Ties, m.BothBad));
        Assert.Equal(1.5 / 4, m.WinRate!.Value, 12);
        var (low, high) = WinRate.Wilson(1.5 / 4, 4);
        Assert.Equal((low, high), (m.Low!.Value, m.High!.Value));
    }

    [Fact]
    public void Compute_OnlyBothBad_HasNoWinRate()
    {
        var m = Assert.Single(ModelMatchups.Compute([new ModelVote("x", "y", "both_bad")]));
        Assert.Equal(new ModelMatchup("x", "y", 1, 0, 0, 0, 1, null, null, null), m);
    }
}

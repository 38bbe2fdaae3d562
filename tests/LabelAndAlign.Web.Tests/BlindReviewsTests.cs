using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Services.Evaluation;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class BlindReviewsTests
{
    [Fact]
    public void ModelName_HidesTheRunAndStepBehindOneName()
    {
        Assert.Equal("run 12 · step 400", BlindReviews.ModelName(12, 400));
        Assert.Equal("run 12 · step 0", BlindReviews.ModelName(12, 0));
    }

    [Fact]
    public void Of_TakesEachCheckpointAgainstTheStart_FromTheCheckpointsSide_AndNothingElse()
    {
        ModelVote[] votes =
        [
            // Step 40 against the start: 3 wins (on either side of the screen), 1 loss, 1 tie, 1 both bad.
            new("run 7 · step 40", "run 7 · step 0", "a"), new("run 7 · step 0", "run 7 · step 40", "b"), new("run 7 · step 40", "run 7 · step 0", "a"),
            new("run 7 · step 0", "run 7 · step 40", "a"), new("run 7 · step 40", "run 7 · step 0", "tie"), new("run 7 · step 40", "run 7 · step 0", "both_bad"),
            // Another run, another pair of this run's checkpoints, and a matchup decided by nobody: left out.
            new("run 71 · step 40", "run 71 · step 0", "a"), new("run 7 · step 40", "run 7 · step 20", "a"), new("run 7 · step 60", "run 7 · step 0", "both_bad"),
        ];
        var human = Assert.Single(BlindReviews.Of(7, 3, "Blind", ModelMatchups.Compute(votes)));
        Assert.Equal((3, "Blind", 40, 6), (human.ProjectId, human.ProjectName, human.Step, human.Votes));
        Assert.Equal(new WinRate(3, 1, 1), human.WinRate);
        Assert.Equal(3.5 / 5, human.WinRate.Rate, 12);
    }
}

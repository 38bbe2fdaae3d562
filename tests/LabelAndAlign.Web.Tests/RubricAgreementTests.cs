using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class RubricAgreementTests
{
    [Fact]
    public void Compute_PerDimension_UnitsAreResponsesRatedTwice_InRubricOrder()
    {
        var ratings = new List<RubricRating>();
        void Rate(long item, string response, string labeler, string dimension, int value) => ratings.Add(new(item, response, labeler, dimension, value));
        // Clarity: both labelers agree exactly on three responses, spread over the scale.
        Rate(1, "a", "x", "Clarity", 5); Rate(1, "a", "y", "Clarity", 5);
        Rate(1, "b", "x", "Clarity", 2); Rate(1, "b", "y", "Clarity", 2);
        Rate(2, "a", "x", "Clarity", 3); Rate(2, "a", "y", "Clarity", 3);
        Rate(3, "a", "x", "Clarity", 1); // rated once: no agreement information
        // Correctness: they disagree as much as they can.
        Rate(1, "a", "x", "Correctness", 1); Rate(1, "a", "y", "Correctness", 5);
        Rate(2, "a", "x", "Correctness", 5); Rate(2, "a", "y", "Correctness", 1);

        var result = RubricAgreement.Compute(ratings, ["Correctness", "Clarity", "Tone"]);

        Assert.Equal(["Correctness", "Clarity", "Tone"], result.Select(r => r.Dimension));
        Assert.Equal((4, 2), (result[0].Ratings, result[0].Units));
        Assert.True(result[0].OrdinalAlpha < 0);
        Assert.Equal((7, 3), (result[1].Ratings, result[1].Units));
        Assert.Equal(1.0, result[1].OrdinalAlpha!.Value, 12);
        Assert.Equal(new RubricDimensionAgreement("Tone", 0, 0, null), result[2]);
    }

    [Fact]
    public void Parse_StoredRatings_KeyedByTheItemsOwnResponses()
    {
        var parsed = RubricAgreement.Parse(7, "x", """{"a": {"Clarity": 4}, "b": {"Clarity": 2, "Tone": 5}}""").ToList();
        Assert.Equal(
            [new RubricRating(7, "a", "x", "Clarity", 4), new RubricRating(7, "b", "x", "Clarity", 2), new RubricRating(7, "b", "x", "Tone", 5)],
            parsed);
        Assert.Empty(RubricAgreement.Parse(7, "x", null));
        Assert.Empty(RubricAgreement.Parse(7, "x", "not json"));
    }
}

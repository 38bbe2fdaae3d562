using System.Text.Json;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>One rubric rating: a labeler's 1–5 score of one response (a or b) of an item on one dimension.</summary>
public sealed record RubricRating(long ItemId, string Response, string Labeler, string Dimension, int Value);

/// <summary>How well labelers agree on one rubric dimension.</summary>
/// <param name="Ratings">Every rating given on the dimension.</param>
/// <param name="Units">Responses rated by two or more labelers (the only ones that carry agreement).</param>
/// <param name="OrdinalAlpha">Krippendorff's α with the ordinal metric; null when undefined.</param>
public sealed record RubricDimensionAgreement(string Dimension, int Ratings, int Units, double? OrdinalAlpha);

/// <summary>
/// Agreement on rubric ratings. A unit is one response of one item on one dimension; its values
/// are the labelers' 1–5 ratings; the figure is Krippendorff's α with the ordinal metric, which
/// suits Likert scores: a 4 against a 5 is a smaller disagreement than a 1 against a 5.
/// </summary>
public static class RubricAgreement
{
    /// <summary>Per dimension, in the rubric's order, from the labels' stored ratings.</summary>
    public static IReadOnlyList<RubricDimensionAgreement> Compute(IEnumerable<RubricRating> ratings, IReadOnlyList<string> rubric)
    {
        var byDimension = ratings.GroupBy(r => r.Dimension).ToDictionary(g => g.Key, g => g.ToList());
        return rubric.Select(dimension =>
        {
            var list = byDimension.GetValueOrDefault(dimension) ?? [];
            var units = list.GroupBy(r => (r.ItemId, r.Response))
                .Select(u => (IReadOnlyList<int>)u.GroupBy(r => r.Labeler).Select(g => g.First().Value).ToList())
                .Where(u => u.Count >= 2).ToList();
            return new RubricDimensionAgreement(dimension, list.Count, units.Count, Krippendorff.Alpha(units, Krippendorff.Metric.Ordinal));
        }).ToList();
    }

    /// <summary>
    /// Reads a label's stored ratings (<c>{"a": {"Clarity": 4}, "b": {…}}</c>, keyed by the item's
    /// own a/b) into <see cref="RubricRating"/>s; a missing or unreadable value gives none.
    /// </summary>
    public static IEnumerable<RubricRating> Parse(long itemId, string labeler, string? ratingsJson)
    {
        if (string.IsNullOrEmpty(ratingsJson)) yield break;
        Dictionary<string, Dictionary<string, int>>? stored;
        try { stored = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(ratingsJson); }
        catch (JsonException) { yield break; }
        foreach (var (response, dimensions) in stored ?? [])
            foreach (var (dimension, value) in dimensions)
                yield return new RubricRating(itemId, response, labeler, dimension, value);
    }
}

namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>One labeler's judgement of one assignment, stored against the item's own a/b.</summary>
public sealed class Label
{
    public long Id { get; set; }
    public long AssignmentId { get; set; }
    public int ProjectId { get; set; }
    public long ItemId { get; set; }
    public int LabelerId { get; set; }

    /// <summary><c>a</c>, <c>b</c>, <c>tie</c> or <c>both_bad</c> (see <see cref="Choices"/>).</summary>
    public required string Choice { get; set; }

    /// <summary>Copied from the assignment so votes export and bias diagnostics need no join.</summary>
    public required string ShownLeft { get; set; }

    /// <summary>1 = slightly better, 2 = much better; null when not given or not a preference.</summary>
    public int? Strength { get; set; }

    /// <summary><c>{"a": {"dimension": 1..5}, "b": {…}}</c>, or null.</summary>
    public string? RatingsJson { get; set; }

    public string? Rationale { get; set; }

    /// <summary>Seconds from the lease start to submission.</summary>
    public double Seconds { get; set; }

    public DateTime CreatedAt { get; set; }
}

public static class Choices
{
    public const string A = "a";
    public const string B = "b";
    public const string Tie = "tie";
    public const string BothBad = "both_bad";
    public static readonly string[] All = [A, B, Tie, BothBad];
}

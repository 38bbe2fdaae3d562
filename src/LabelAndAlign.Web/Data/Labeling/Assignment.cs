namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>An item handed to one labeler, with the screen order they saw and the lease they hold.</summary>
public sealed class Assignment
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public long ItemId { get; set; }
    public int LabelerId { get; set; }

    /// <summary>Which of the item's responses was shown on the left: <c>a</c> or <c>b</c>.</summary>
    public required string ShownLeft { get; set; }

    /// <summary>See <see cref="AssignmentStatus"/>.</summary>
    public required string Status { get; set; }

    public DateTime LeasedAt { get; set; }
    public DateTime LeasedUntil { get; set; }
    public DateTime? FinishedAt { get; set; }
}

/// <summary>Leased and Done hold one of the item's N slots; the others have given it back.</summary>
public static class AssignmentStatus
{
    public const string Leased = nameof(Leased);
    public const string Done = nameof(Done);
    public const string Skipped = nameof(Skipped);
    public const string Expired = nameof(Expired);
    public const string Released = nameof(Released);
}

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

    public AssignmentStatus Status { get; set; }

    public DateTime LeasedAt { get; set; }
    public DateTime LeasedUntil { get; set; }
    public DateTime? FinishedAt { get; set; }
}

/// <summary>Leased and Done hold one of the item's N slots; the others have given it back. Stored by name.</summary>
public enum AssignmentStatus { Leased, Done, Skipped, Expired, Released }

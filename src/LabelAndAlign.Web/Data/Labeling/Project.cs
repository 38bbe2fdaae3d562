namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>A labeling project: guidelines, overlap and quality settings for one set of comparisons.</summary>
public sealed class Project
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Markdown shown to labelers (raw HTML is never rendered).</summary>
    public string Guidelines { get; set; } = "";

    /// <summary>How many different labelers judge each item (overlap N).</summary>
    public int LabelsPerItem { get; set; } = 1;

    /// <summary>JSON array of rubric dimension names, each rated 1–5 per response; "[]" for none.</summary>
    public string RubricJson { get; set; } = "[]";

    /// <summary>Whether the comparison page asks for a rationale.</summary>
    public bool AskRationale { get; set; }

    /// <summary>How long an assignment stays reserved for a labeler before it returns to the queue.</summary>
    public int LeaseMinutes { get; set; } = 30;

    /// <summary>Share (0–1) of assignments drawn from gold items when both kinds are available.</summary>
    public double GoldRate { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When a lead archived it (hidden from lists and pickers, kept for what points to it); null while it is in use.</summary>
    public DateTime? ArchivedAt { get; set; }

    /// <summary>Who archived it (a labeler turned away is told whom to ask); null while it is in use, or when no one signed in did.</summary>
    public int? ArchivedById { get; set; }
}

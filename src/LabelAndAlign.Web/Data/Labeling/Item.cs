namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>
/// One comparison: a prompt and two responses, <c>a</c> and <c>b</c> in the item's own order.
/// Which one a labeler sees on the left is decided per assignment. The counters keep the queue
/// to index seeks on large projects.
/// </summary>
public sealed class Item
{
    public long Id { get; set; }
    public int ProjectId { get; set; }

    /// <summary>The importer's id for the item, echoed in exports.</summary>
    public string? ExternalId { get; set; }

    /// <summary>The prompt as text (for chat prompts: the messages rendered as text).</summary>
    public string PromptText { get; set; } = "";

    /// <summary>The prompt as a JSON array of <c>{role, content}</c> messages when it was a chat; else null.</summary>
    public string? PromptMessagesJson { get; set; }

    public string ResponseA { get; set; } = "";
    public string ResponseB { get; set; } = "";

    /// <summary>Model names; stored for analysis, never shown to labelers.</summary>
    public string? ModelA { get; set; }
    public string? ModelB { get; set; }

    /// <summary>Known answer (a, b, tie, both_bad) for gold items; null otherwise.</summary>
    public string? Gold { get; set; }
    public bool IsGold { get; set; }

    /// <summary>Assignments holding a slot: leased (unexpired) or done.</summary>
    public int SlotsTaken { get; set; }

    /// <summary>Labels submitted.</summary>
    public int LabelCount { get; set; }

    /// <summary><c>SlotsTaken &lt; LabelsPerItem</c>, kept as a column so the queue walks an index.</summary>
    public bool IsOpen { get; set; } = true;

    /// <summary>A lead's final verdict (a, b, tie, both_bad) after review; wins over the majority.</summary>
    public string? Verdict { get; set; }
    public int? VerdictById { get; set; }
    public DateTime? VerdictAt { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// When a lead archived it: out of the labeling queue (<see cref="IsOpen"/> stays false), hidden in the item browser,
    /// left out of agreement and preference exports; its labels are kept. Null while it is in use.
    /// </summary>
    public DateTime? ArchivedAt { get; set; }
}

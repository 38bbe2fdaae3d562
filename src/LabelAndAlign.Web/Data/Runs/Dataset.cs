namespace LabelAndAlign.Web.Data.Runs;

/// <summary>An imported JSON Lines file or a built-in task pack's corpus, frozen as rows.</summary>
public sealed class Dataset
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>A <see cref="Services.Datasets.DatasetKind"/> name, detected from the TRL fields of the rows.</summary>
    public required string Kind { get; set; }

    public int RowCount { get; set; }

    /// <summary>JSON array of the first few rows, for the list page.</summary>
    public string PreviewJson { get; set; } = "[]";

    /// <summary>Unique origin: <c>import:&lt;guid&gt;</c>, or <c>builtin:&lt;pack&gt;/&lt;set&gt;</c> for task packs.</summary>
    public required string Source { get; set; }

    public int? CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>For a snapshot of a labeling project: the project, and at freeze time its label count and labelers' emails (JSON array).</summary>
    public int? SourceProjectId { get; set; }
    public int? SourceLabelCount { get; set; }
    public string? SourceLabelersJson { get; set; }

    /// <summary>When a lead archived it (hidden from lists and pickers, kept for what points to it); null while it is in use.</summary>
    public DateTime? ArchivedAt { get; set; }
}

/// <summary>One row of a dataset: the JSON object as imported.</summary>
public sealed class DatasetRow
{
    public long Id { get; set; }
    public int DatasetId { get; set; }

    /// <summary>1-based line of the source file.</summary>
    public int Line { get; set; }

    public required string Json { get; set; }
}

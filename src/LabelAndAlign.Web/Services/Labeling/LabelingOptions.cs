namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>Limits for the labeling side, from the <c>Labeling</c> configuration section.</summary>
public sealed class LabelingOptions
{
    /// <summary>Largest import accepted; bigger uploads are refused while streaming, never buffered whole.</summary>
    public long MaxImportBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Longest single line (characters) in an import.</summary>
    public int MaxLineChars { get; set; } = 1_000_000;

    /// <summary>How many line errors an import reports before it stops reading.</summary>
    public int MaxReportedErrors { get; set; } = 100;

    /// <summary>Item generations (sampling from checkpoints) allowed at once; more are refused with 409.</summary>
    public int MaxConcurrentGenerations { get; set; } = 1;
}

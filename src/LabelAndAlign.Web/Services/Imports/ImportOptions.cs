namespace LabelAndAlign.Web.Services.Imports;

/// <summary>
/// Limits shared by every upload of JSON Lines or CSV, labeling items and datasets alike, from the
/// <c>Imports</c> configuration section. Uploads are read as a stream against these limits, so a
/// file or a line past them is refused without ever being held whole.
/// </summary>
public sealed class ImportOptions
{
    /// <summary>Largest file accepted (bytes); bigger uploads get 413.</summary>
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Longest line (characters; for CSV, one record) accepted; a longer one is an error naming its line.</summary>
    public int MaxLineChars { get; set; } = 1_000_000;

    /// <summary>How many line errors an import reports before it stops reading.</summary>
    public int MaxReportedErrors { get; set; } = 100;

    public string Describe() => $"{MaxFileBytes / (1024 * 1024)} MB a file and {MaxLineChars:N0} characters a line";
}

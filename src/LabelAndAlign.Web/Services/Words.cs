using System.Globalization;

namespace LabelAndAlign.Web.Services;

/// <summary>Numbers in words as services and pages both write them (dialogs, errors, subtitles read alike).</summary>
public static class Words
{
    /// <summary>"1 row", "2,500 rows"; <paramref name="plural"/> for nouns that do not just add an s ("1 entry", "2 entries").</summary>
    public static string Count(long n, string singular, string? plural = null) =>
        $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? singular : plural ?? singular + "s")}";
}

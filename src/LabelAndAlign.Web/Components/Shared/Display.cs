using System.Globalization;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// One way to show dates and counts on every page. Dates are stored in UTC and shown in UTC,
/// said so, in one format; counts agree with their noun ("1 row", "2 rows").
/// </summary>
public static class Display
{
    public const string DateFormat = "d MMM yyyy, HH:mm 'UTC'";

    /// <summary>A stored UTC time, e.g. "6 Dec 2026, 23:58 UTC".</summary>
    public static string Date(DateTime utc) => utc.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A time that may be missing: <paramref name="none"/> ("—", "never") when it is.</summary>
    public static string Date(DateTime? utc, string none = "—") => utc is { } t ? Date(t) : none;

    /// <summary>The time as a machine reads it (ISO 8601), for a <c>title</c> or <c>datetime</c> attribute.</summary>
    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    /// <summary>"1 row", "2,500 rows"; <paramref name="plural"/> for nouns that do not just add an s ("1 entry", "2 entries").</summary>
    public static string Count(long n, string singular, string? plural = null) =>
        $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? singular : plural ?? singular + "s")}";
}

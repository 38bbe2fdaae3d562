using System.Globalization;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// One way to show dates on every page: stored in UTC and shown in UTC, said so, in one format
/// (counts in words are <see cref="Services.Words"/>, which services use too).
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
}

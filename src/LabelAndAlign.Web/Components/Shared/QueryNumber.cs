using System.Globalization;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// A whole-number query parameter read by hand. Blazor's own binding of <c>int?</c> throws on
/// <c>?run=abc</c>, which turns a mistyped or truncated link into the error page; this reads the
/// text and says what was wrong with it instead.
/// </summary>
public static class QueryNumber
{
    /// <summary>The positive number the text spells, or null (absent or not a number).</summary>
    public static int? Parse(string? raw) =>
        int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : null;

    /// <summary>A sentence for a parameter that was given but is not a number, naming it; null otherwise.</summary>
    public static string? Problem(string? raw, string parameter, string what) =>
        raw is not null && Parse(raw) is null
            ? $"The link's {parameter}=“{(raw.Length > 40 ? raw[..40] + "…" : raw)}” is not a {what} number, so it was left out."
            : null;
}

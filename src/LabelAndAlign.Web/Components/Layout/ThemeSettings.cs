namespace LabelAndAlign.Web.Components.Layout;

/// <summary>Which palette a person wants: the operating system's, or always light or dark.</summary>
public enum ThemeChoice { System, Light, Dark }

/// <summary>
/// The theme choice plus the operating system's last known mode, remembered in a cookie so the
/// server renders the right palette in the first HTML (no white flash for a dark-mode user).
/// </summary>
public sealed record ThemeSettings(ThemeChoice Choice, bool SystemDark)
{
    public const string CookieName = "lna.theme";

    public static ThemeSettings Default { get; } = new(ThemeChoice.System, false);

    public bool IsDark => Choice == ThemeChoice.Dark || (Choice == ThemeChoice.System && SystemDark);

    /// <summary>The cookie's value: <c>choice.system</c>, e.g. <c>system.dark</c>.</summary>
    public string ToCookie() => $"{Choice.ToString().ToLowerInvariant()}.{(SystemDark ? "dark" : "light")}";

    /// <summary>A cookie value read back; anything unreadable is the default (follow the system, light).</summary>
    public static ThemeSettings Parse(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie)) return Default;
        var parts = cookie.Split('.');
        if (parts.Length != 2 || !Enum.TryParse<ThemeChoice>(parts[0], ignoreCase: true, out var choice) || !Enum.IsDefined(choice))
            return Default;
        return new ThemeSettings(choice, parts[1] == "dark");
    }
}

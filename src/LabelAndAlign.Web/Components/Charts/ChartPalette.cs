using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// Colours charts use: one per run (distinguishable in both themes) and the theme's text, muted
/// and grid colours, taken from <see cref="AppTheme"/> so charts match the page.
/// </summary>
public static class ChartPalette
{
    public static readonly string[] Series = ["#4f46e5", "#e8590c", "#0ca678", "#d6336c", "#1c7ed6", "#f59f00", "#7048e8", "#2f9e44"];

    public static string SeriesColor(int index) => Series[index % Series.Length];

    public sealed record Colors(string Text, string Muted, string Grid, string Font);

    public static Colors For(bool dark)
    {
        var p = dark ? (MudBlazor.Palette)AppTheme.Theme.PaletteDark : AppTheme.Theme.PaletteLight;
        return new Colors(p.TextPrimary.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex), p.TextSecondary.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex),
            p.LinesDefault.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex), string.Join(", ", AppTheme.Theme.Typography.Default.FontFamily ?? []));
    }
}

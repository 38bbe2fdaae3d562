using MudBlazor;

namespace LabelAndAlign.Web.Components.Layout;

/// <summary>
/// The product's look: an indigo accent on quiet neutrals, the platform's own UI font (no font
/// download: the app works offline), compact type, 8 px corners. One theme, a light and a dark palette.
/// </summary>
public static class AppTheme
{
    private static readonly string[] Font =
        ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4f46e5",
            Secondary = "#0d9488",
            Tertiary = "#c026d3",
            Info = "#2563eb",
            Success = "#15803d",
            Warning = "#b45309",
            Error = "#c2283c",
            Background = "#f6f7fb",
            Surface = "#ffffff",
            AppbarBackground = "#ffffff",
            AppbarText = "#161a26",
            DrawerBackground = "#ffffff",
            DrawerText = "#3b4154",
            DrawerIcon = "#5d6478",
            TextPrimary = "#161a26",
            TextSecondary = "#5d6478",
            LinesDefault = "#e2e5ee",
            TableLines = "#e9ebf2",
            Divider = "#e2e5ee",
            ActionDefault = "#5d6478",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8b85ff",
            Secondary = "#2dd4bf",
            Tertiary = "#e879f9",
            Info = "#60a5fa",
            Success = "#4fd1a1",
            Warning = "#fbbf24",
            Error = "#ff7a8a",
            Background = "#0f1117",
            Surface = "#171a23",
            AppbarBackground = "#171a23",
            AppbarText = "#e7e9f0",
            DrawerBackground = "#171a23",
            DrawerText = "#c9cdd9",
            DrawerIcon = "#9aa1b5",
            TextPrimary = "#e7e9f0",
            TextSecondary = "#9aa1b5",
            LinesDefault = "#2a2f3f",
            TableLines = "#262a38",
            Divider = "#2a2f3f",
            ActionDefault = "#9aa1b5",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Font, FontSize = "0.9375rem", LineHeight = "1.5" },
            H1 = new H1Typography { FontFamily = Font, FontSize = "2rem", FontWeight = "650", LineHeight = "1.25" },
            H2 = new H2Typography { FontFamily = Font, FontSize = "1.75rem", FontWeight = "650", LineHeight = "1.25" },
            H3 = new H3Typography { FontFamily = Font, FontSize = "1.5rem", FontWeight = "650", LineHeight = "1.3" },
            H4 = new H4Typography { FontFamily = Font, FontSize = "1.5rem", FontWeight = "650", LineHeight = "1.3", LetterSpacing = "-0.01em" },
            H5 = new H5Typography { FontFamily = Font, FontSize = "1.15rem", FontWeight = "620", LineHeight = "1.35" },
            H6 = new H6Typography { FontFamily = Font, FontSize = "1rem", FontWeight = "620", LineHeight = "1.4" },
            Subtitle1 = new Subtitle1Typography { FontFamily = Font, FontSize = "0.95rem", FontWeight = "560" },
            Subtitle2 = new Subtitle2Typography { FontFamily = Font, FontSize = "0.875rem", FontWeight = "600" },
            Body1 = new Body1Typography { FontFamily = Font, FontSize = "0.9375rem", LineHeight = "1.5" },
            Body2 = new Body2Typography { FontFamily = Font, FontSize = "0.875rem", LineHeight = "1.45" },
            Button = new ButtonTypography { FontFamily = Font, FontSize = "0.875rem", FontWeight = "560", TextTransform = "none", LetterSpacing = "0" },
            Caption = new CaptionTypography { FontFamily = Font, FontSize = "0.78rem" },
            Overline = new OverlineTypography { FontFamily = Font, FontSize = "0.72rem", FontWeight = "600", LetterSpacing = "0.06em" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "232px", AppbarHeight = "56px" },
    };
}

using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>One screen a layout test looks at pages on: its size, and the theme the operating system asks for.</summary>
public sealed record Screen(int Width, int Height, ColorScheme Scheme)
{
    /// <summary>The theme the app shows (the shell's data-theme), following the OS.</summary>
    public string Theme => Scheme == ColorScheme.Dark ? "dark" : "light";

    public override string ToString() => $"{Width}×{Height}, {Theme}";
}

/// <summary>
/// The screens every layout test visits — a 1366×768 laptop and a 390×844 phone, each in the light and the dark
/// theme — and the one loop over them (<see cref="PageLayout.AssertFitsAsync"/> checks each page).
/// </summary>
public static class Screens
{
    public static readonly IReadOnlyList<Screen> All =
    [
        new(1366, 768, ColorScheme.Light), new(1366, 768, ColorScheme.Dark),
        new(390, 844, ColorScheme.Light), new(390, 844, ColorScheme.Dark),
    ];

    /// <summary>
    /// Opens a fresh, signed-out page on each screen and runs <paramref name="visit"/> on it, with the console and CSP
    /// errors the page logs (the visit decides whether they fail it). Each page closes before the next opens.
    /// </summary>
    public static async Task EachAsync(BrowserFixture browser, string baseUrl, Func<Screen, IPage, List<string>, Task> visit)
    {
        foreach (var screen in All)
        {
            var (context, page, errors) = await browser.NewPageAsync(baseUrl, new ViewportSize { Width = screen.Width, Height = screen.Height });
            await using var _ = context;
            await page.EmulateMediaAsync(new() { ColorScheme = screen.Scheme });
            await visit(screen, page, errors);
        }
    }
}

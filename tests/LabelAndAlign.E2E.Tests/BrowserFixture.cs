using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// One headless Chromium for a test class: Debian's <c>/usr/bin/chromium</c> (Playwright cannot
/// download its own browser here), with the flags a closed network needs.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}. Install it with: apt-get install chromium (scripts/test does this when run as root).");
        _playwright = await Playwright.CreateAsync();
        // Training tests share the two cores with the pages under test; Playwright's 5 s default
        // for an expectation to come true was once not enough for a sign-in post under that load.
        Assertions.SetDefaultExpectTimeout(15_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>A fresh context and page that record console errors and uncaught exceptions.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> NewPageAsync(string baseUrl, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, msg) => { if (msg.Type == "error") lock (errors) errors.Add($"console: {msg.Text} at {msg.Location}"); };
        page.PageError += (_, error) => { lock (errors) errors.Add($"page error: {error}"); };
        return (context, page, errors);
    }

    /// <summary>Fills in and submits the sign-in form, as a person does.</summary>
    public static async Task SubmitLoginAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>
    /// The page's own message (sign-in error, lockout, bad link), not Blazor's connection notice,
    /// which is also an alert and can show on a loaded machine.
    /// </summary>
    public static ILocator MessageAlert(IPage page) => page.Locator(".alert[role=alert]");

    /// <summary>
    /// The page's own status line (polite live region), not the snackbar container, which is also a
    /// status region and is always on a signed-in page.
    /// </summary>
    public static ILocator PageStatus(IPage page) => page.Locator("[role=status]:not(#mud-snackbar-container)");

    /// <summary>Signs in and waits until the app's circuit is live.</summary>
    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await SubmitLoginAsync(page, email, password);
        await WaitForInteractiveAsync(page);
    }

    /// <summary>Waits until the Blazor circuit is live, so clicks reach event handlers.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator(".shell[data-interactive=true]").WaitForAsync(new() { Timeout = 30_000 });

    /// <summary>
    /// Chooses an option of a MudBlazor select as a person does: opens the select named <paramref name="label"/> and
    /// clicks the item whose text is <paramref name="option"/> in its list.
    /// </summary>
    public static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label, new() { Exact = true }).ClickAsync();
        var item = OpenSelectItems(page).Filter(new() { HasTextString = option });
        await item.First.ClickAsync();
        await OpenSelectItems(page).First.WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    /// <summary>The items of the select list that is open now.</summary>
    public static ILocator OpenSelectItems(IPage page) => page.Locator(".mud-popover-open .mud-list-item");

    /// <summary>Saves a screenshot (the whole page, or what the viewport shows) under TestResults/screenshots for people to look at.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        string dir = Path.Combine(RepoRoot.Path, "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = fullPage });
    }
}

using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>The app shell as a person meets it: sign in, navigate, theme, 404, sign out.</summary>
public sealed class ShellTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private static readonly string[] NavItems = ["Label", "Datasets", "Runs", "Compare", "Samples", "Admin"];

    [Fact]
    public async Task Admin_SignsIn_VisitsEveryNavItem_WithoutConsoleErrors_ThenSignsOut()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _ = context;

        await SignInAsAdminAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "home");

        foreach (var item in NavItems)
        {
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = item }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/{item.ToLowerInvariant()}$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = item, Level = 1 })).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, $"nav-{item.ToLowerInvariant()}");
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));

        foreach (var item in NavItems.Prepend(""))
        {
            string path = "/" + item.ToLowerInvariant();
            await page.GotoAsync(path);
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?ReturnUrl=" + Uri.EscapeDataString(path).Replace("/", "%2F")));
        }
        await BrowserFixture.ScreenshotAsync(page, "login");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task WrongPassword_ShowsAnErrorAndStaysOnLogin()
    {
        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await BrowserFixture.SubmitLoginAsync(page, AdminEmail, "not-the-password");
        await Expect(BrowserFixture.MessageAlert(page)).ToContainTextAsync("incorrect");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
    }

    [Fact]
    public async Task Login_ReturnsToThePageFirstAsked()
    {
        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await page.GotoAsync("/runs");
        await page.GetByLabel("Email").FillAsync(AdminEmail);
        await page.GetByLabel("Password").FillAsync(AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(); // the form the redirect showed, keeping ReturnUrl
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/runs$"));
    }

    [Fact]
    public async Task Labeler_SeesOnlyTheLabelItem()
    {
        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await SignInAsAdminAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        string labeler = $"labeler{Guid.NewGuid():N}@example.com";
        await page.GetByLabel("Email").FillAsync(labeler);
        await BrowserFixture.ChooseAsync(page, "Role", "Labeler");
        await page.GetByLabel("Initial password").FillAsync("labeler-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        await Expect(page.GetByText($"Added {labeler} as Labeler")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "People" }).GetByRole(AriaRole.Cell, new() { Name = labeler })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "admin-users");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await BrowserFixture.SignInAsync(page, labeler, "labeler-password");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Label" })).ToBeVisibleAsync();
        foreach (var hidden in new[] { "Datasets", "Runs", "Compare", "Samples", "Admin" })
            await Expect(nav.GetByRole(AriaRole.Link, new() { Name = hidden })).ToHaveCountAsync(0);

        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/access-denied"));
    }

    [Fact]
    public async Task Theme_FollowsTheSystem_IsSwitchable_AndRememberedFromTheFirstByte()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await SignInAsAdminAsync(page);
        var shell = page.Locator(".shell");
        await Expect(shell).ToHaveAttributeAsync("data-theme", "dark"); // follows the system by default

        await page.Locator("[data-theme-toggle]").ClickAsync();
        await page.Locator("[data-theme-option=light]").ClickAsync();
        await Expect(shell).ToHaveAttributeAsync("data-theme", "light");
        await Expect(page.Locator("[data-theme-toggle]")).ToHaveAttributeAsync("aria-label", "Theme: Light");

        // Remembered: the server renders the next page light although the system is dark.
        var html = await (await page.GotoAsync("/runs"))!.TextAsync();
        Assert.Contains("<meta name=\"color-scheme\" content=\"light\"", html);
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(shell).ToHaveAttributeAsync("data-theme", "light");
        await BrowserFixture.ScreenshotAsync(page, "runs-light");

        await page.Locator("[data-theme-toggle]").ClickAsync();
        await page.Locator("[data-theme-option=dark]").ClickAsync();
        await Expect(shell).ToHaveAttributeAsync("data-theme", "dark");
        await BrowserFixture.ScreenshotAsync(page, "home-dark");

        await page.Locator("[data-theme-toggle]").ClickAsync();
        await page.Locator("[data-theme-option=system]").ClickAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await Expect(shell).ToHaveAttributeAsync("data-theme", "light");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Expect(shell).ToHaveAttributeAsync("data-theme", "dark");

        // The sign-in page (static, no circuit) is drawn in the remembered theme too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        await Expect(page.Locator("meta[name=color-scheme]")).ToHaveAttributeAsync("content", "dark");
        await BrowserFixture.ScreenshotAsync(page, "login-dark");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Phone_MenuButtonOpensTheNavigation_AndAChoiceClosesIt()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 390, Height = 844 });
        await using var _c = context;
        await SignInAsAdminAsync(page);
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(nav).Not.ToBeInViewportAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"));
        await BrowserFixture.ScreenshotAsync(page, "home-phone");

        await page.GetByRole(AriaRole.Button, new() { Name = "Navigation menu" }).ClickAsync();
        await Expect(nav).ToBeInViewportAsync();
        await BrowserFixture.ScreenshotAsync(page, "nav-phone");
        await nav.GetByRole(AriaRole.Link, new() { Name = "Runs" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs", Level = 1 })).ToBeVisibleAsync();
        await Expect(nav).Not.ToBeInViewportAsync();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task UnknownAddress_SignedIn_ShowsTheNotFoundPage()
    {
        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await SignInAsAdminAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        var response = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
    }
}

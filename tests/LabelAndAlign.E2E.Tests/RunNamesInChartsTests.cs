using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>A run's name is text wherever a chart shows it: plotly reads a little HTML in trace names, so a named link must stay words.</summary>
public sealed class RunNamesInChartsTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ARunNamedAsALink_ShowsAsTextInTheLegend_NotAsALink()
    {
        const string hostile = "<a href=\"https://evil.example/\">evil</a>";
        int a = await LaunchSftAsync(hostile, new { max_steps = 2 });
        int b = await LaunchSftAsync("plain", new { max_steps = 2 });
        await WaitForRunAsync(a, Completed, TimeSpan.FromSeconds(120));
        await WaitForRunAsync(b, Completed, TimeSpan.FromSeconds(120));

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);
        await page.GotoAsync($"/compare?runs={a},{b}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var legend = page.Locator(".chart-card[data-metric='loss'] .legend");
        await Expect(legend).ToContainTextAsync(hostile);
        Assert.Equal(0, await page.Locator(".chart-card a[href*='evil.example']").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "compare-hostile-run-name");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}

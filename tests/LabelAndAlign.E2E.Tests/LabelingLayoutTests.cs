using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The labeling page as a new user met it: on a 1366x768 laptop the prompt, both responses, the
/// rubric and the vote bar are on screen without scrolling; on a 390x844 phone nothing overflows
/// sideways, the header is whole and the votes are on screen without scrolling past the
/// responses; with rationale, rubric and strength on, labeling works from the keyboard alone.
/// </summary>
public sealed class LabelingLayoutTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private const string Password = "labeler-password-123";
    private static readonly string[] Rubric = ["Correctness", "Helpfulness", "Tone"];

    /// <summary>A project asking for a rationale and rating a three-dimension rubric, with long answers; the signed-in labeler on its page.</summary>
    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors, int Project)> OpenProjectAsync(int width, int height)
    {
        var admin = Api();
        var (_, email) = await CreateUserAsync("layout-labeler", "Labeler", Password);
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Essay review with a rubric", labelsPerItem = 1, rubric = Rubric, askRationale = true });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var lines = Enumerable.Range(1, 3).Select(i => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["id"] = $"essay-{i}", ["prompt"] = $"Essay {i}: summarise the argument of the passage below in three sentences, then judge it.",
            ["response_a"] = string.Concat(Enumerable.Repeat($"Alpha {i} keeps arguing its point at length, paragraph after paragraph.\n\n", 60)),
            ["response_b"] = string.Concat(Enumerable.Repeat($"Beta {i} answers briefly. ", 30)),
        }));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items", new StringContent(string.Join("\n", lines), Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = width, Height = height });
        await BrowserFixture.SignInAsync(page, email, Password);
        await page.GotoAsync($"/label/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.Locator(".lab[data-assignment][data-keys]").WaitForAsync(new() { Timeout = 30_000 });
        return (context, page, errors, project);
    }

    private static async Task<LocatorBoundingBoxResult> BoxAsync(ILocator locator) =>
        await locator.BoundingBoxAsync() ?? throw new Xunit.Sdk.XunitException($"{locator} is not laid out");

    private static async Task AssertNoHorizontalOverflowAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, client) = (widths[0], widths[1]);
        Assert.True(scroll <= client, $"the page is {scroll} px wide in a {client} px window");
    }

    [Fact]
    public async Task Laptop_ShowsPromptBothResponsesRubricAndVotes_WithoutScrolling()
    {
        var (context, page, errors, _) = await OpenProjectAsync(1366, 768);
        await using var _ = context;
        int scrollHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        string layout = await page.EvaluateAsync<string>(@"() => ['main.content', '.lab', '.lab-decide'].map(s => {
            const r = document.querySelector(s).getBoundingClientRect(); return `${s} ${r.top}-${r.bottom}`; }).join(', ')");
        Assert.True(scrollHeight <= 768, $"the page is {scrollHeight} px tall in a 768 px window ({layout})");
        await AssertNoHorizontalOverflowAsync(page);
        var parts = new[]
        {
            page.Locator(".lab-prompt"), page.Locator("[data-side=left]"), page.Locator("[data-side=right]"),
            page.Locator("[data-side=left] .lab-rubric"), page.Locator("[data-side=right] .lab-rubric"),
            page.GetByRole(AriaRole.Radio, new() { Name = "Both bad" }), page.GetByRole(AriaRole.Button, new() { Name = "Submit" }),
            page.Locator(".lab-rationale textarea"), page.GetByRole(AriaRole.Button, new() { Name = "Much" }),
        };
        foreach (var part in parts)
        {
            var box = await BoxAsync(part);
            Assert.True(box.Y >= 0 && box.Y + box.Height <= 768 && box.X >= 0 && box.X + box.Width <= 1366, $"{part} is at {box.X},{box.Y} {box.Width}x{box.Height}, outside 1366x768");
        }
        // Each answer keeps a reading height, not the ~250 px a new user had before.
        foreach (var side in new[] { "left", "right" })
        {
            var text = await BoxAsync(page.Locator($"[data-side={side}] .lab-scroll"));
            Assert.True(text.Height >= 250, $"response {side} gets {text.Height} px to read in");
        }
        await BrowserFixture.ScreenshotAsync(page, "label-rubric-1366", fullPage: false);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Phone_HasNoSidewaysOverflow_AWholeHeader_AndVotesOnScreen()
    {
        var (context, page, errors, _) = await OpenProjectAsync(390, 844);
        await using var _ = context;
        await AssertNoHorizontalOverflowAsync(page);
        var header = await BoxAsync(page.Locator(".topbar"));
        Assert.True(header.X >= 0 && header.X + header.Width <= 390 && header.Y >= 0, $"the header is at {header.X},{header.Y} {header.Width} px wide");
        Assert.True(await page.Locator(".topbar").EvaluateAsync<bool>("el => el.scrollWidth <= el.clientWidth"), "the header's content is clipped");
        foreach (var name in new[] { "A is better", "B is better", "Tie", "Both bad" })
        {
            var vote = await BoxAsync(page.GetByRole(AriaRole.Radio, new() { Name = name }));
            Assert.True(vote.Y >= 0 && vote.Y + vote.Height <= 844 && vote.X >= 0 && vote.X + vote.Width <= 390, $"'{name}' is at {vote.X},{vote.Y}, off the 390x844 screen");
        }
        // The vote bar stays on screen while the labeler scrolls through the second response.
        await page.Locator("[data-side=right]").ScrollIntoViewIfNeededAsync();
        var submit = await BoxAsync(page.GetByRole(AriaRole.Button, new() { Name = "Submit" }));
        Assert.True(submit.Y + submit.Height <= 844, $"Submit is at {submit.Y}, below the screen");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserFixture.ScreenshotAsync(page, "label-rubric-390", fullPage: false);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Labeler_WithRationaleRubricAndStrength_UsesOnlyTheKeyboard()
    {
        var (context, page, errors, project) = await OpenProjectAsync(1366, 768);
        await using var _ = context;
        var lab = page.Locator(".lab");
        string first = (await lab.GetAttributeAsync("data-assignment"))!;
        // The keys are on screen.
        foreach (var key in new[] { "Q", "W", "R", "J", "K", "H", "L" })
            await Expect(page.Locator(".lab-decide kbd", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{key}$") }).First).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("2");
        await page.Keyboard.PressAsync("w");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Much" })).ToHaveAttributeAsync("aria-pressed", "true");
        // J onto A's first rating, L three times = 3; J J J onto B's first rating, L = 1, then K back to A's Tone, L L = 2.
        await page.Keyboard.PressAsync("j");
        foreach (var k in "lll") await page.Keyboard.PressAsync(k.ToString());
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Correctness for response A" }).GetByRole(AriaRole.Button, new() { Name = "3" })).ToHaveAttributeAsync("aria-pressed", "true");
        foreach (var k in "jjjl") await page.Keyboard.PressAsync(k.ToString());
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Correctness for response B" }).GetByRole(AriaRole.Button, new() { Name = "1" })).ToHaveAttributeAsync("aria-pressed", "true");
        foreach (var k in "kll") await page.Keyboard.PressAsync(k.ToString());
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Tone for response A" }).GetByRole(AriaRole.Button, new() { Name = "2" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator(".lab-rating.is-cursor")).ToHaveAttributeAsync("aria-label", "Tone for response A");

        // The rationale is required: Enter does nothing yet; R moves into the box, Ctrl+Enter submits from it.
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal(first, await lab.GetAttributeAsync("data-assignment"));
        await page.Keyboard.PressAsync("r");
        await Expect(page.Locator(".lab-rationale textarea")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("B is accurate and 1 2 s u is just text here");
        await Expect(page.GetByRole(AriaRole.Radio, new() { Name = "B is better" })).ToHaveAttributeAsync("aria-checked", "true");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(lab).Not.ToHaveAttributeAsync("data-assignment", first);

        // Focus is not left in the rationale box: the next item takes keys at once.
        Assert.False(await page.EvaluateAsync<bool>("() => document.activeElement?.tagName === 'TEXTAREA'"), "focus stayed in the rationale box");
        await Expect(page.Locator(".lab-rationale textarea")).ToHaveValueAsync("");
        await Expect(page.Locator(".lab-rating.is-cursor")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("1");
        await Expect(page.GetByRole(AriaRole.Radio, new() { Name = "A is better" })).ToHaveAttributeAsync("aria-checked", "true");
        await BrowserFixture.ScreenshotAsync(page, "label-keyboard-1366", fullPage: false);
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        // The label holds what the keys chose.
        var vote = (await Api().GetStringAsync($"/api/projects/{project}/export?format=votes"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).Single();
        Assert.Equal(2, vote.GetProperty("strength").GetInt32());
        Assert.Equal("B is accurate and 1 2 s u is just text here", vote.GetProperty("rationale").GetString());
        string shownLeft = vote.GetProperty("shown_left").GetString()!;
        Assert.Equal(shownLeft == "a" ? "b" : "a", vote.GetProperty("choice").GetString());
        var ratings = vote.GetProperty("ratings");
        Assert.Equal(3, ratings.GetProperty(shownLeft).GetProperty("Correctness").GetInt32());
        Assert.Equal(2, ratings.GetProperty(shownLeft).GetProperty("Tone").GetInt32());
        Assert.Equal(1, ratings.GetProperty(shownLeft == "a" ? "b" : "a").GetProperty("Correctness").GetInt32());
    }
}

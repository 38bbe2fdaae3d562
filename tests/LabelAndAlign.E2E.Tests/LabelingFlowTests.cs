using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The labeling side end to end: a labeler works only from the keyboard (choose, submit, undo,
/// skip, guidelines); the votes export holds exactly those labels mapped through the A/B order
/// each assignment showed; with N = 2 a second labeler gets the same items and a third none.
/// </summary>
public sealed class LabelingFlowTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private const string Password = "labeler-password-123";

    private HttpClient _admin = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Api();
    }

    private Task<(int Id, string Email)> CreateUserAsync(string name, string role = "Labeler") => CreateUserAsync(name, role, Password);

    /// <summary>Item i: response a says "alpha i", b says "beta i"; item 1's a is 10,000 characters of Markdown.</summary>
    private static string Items()
    {
        var lines = new List<string>();
        for (int i = 1; i <= 4; i++)
        {
            string a = $"Answer alpha {i}. The result is **{i * 7}**.";
            if (i == 1)
            {
                var sb = new StringBuilder(a + "\n\n");
                while (sb.Length < 10_000) sb.Append("A long paragraph that keeps going, with `code` and *emphasis*, to check that panels scroll. ");
                sb.Append("\n\n```python\nprint('alpha')\n```\n<script>alert('x')</script>");
                a = sb.ToString()[..10_000];
            }
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["id"] = $"item-{i}", ["prompt"] = $"Question number {i}: what is {i} × 7?",
                ["response_a"] = a, ["response_b"] = $"Answer beta {i}. I think it is {i * 7 + 1}.",
                ["model_a"] = "hidden-model-one", ["model_b"] = "hidden-model-two",
            }));
        }
        return string.Join("\n", lines);
    }

    [Fact]
    public async Task Labeler_UsesOnlyTheKeyboard_AndTheExportHoldsExactlyThoseLabels()
    {
        var (l1Id, l1) = await CreateUserAsync("first-labeler");
        var (l2Id, l2) = await CreateUserAsync("second-labeler");
        var (l3Id, l3) = await CreateUserAsync("third-labeler");
        var created = await _admin.PostAsJsonAsync("/api/projects", new { name = "Arithmetic check", guidelines = "# Judge correctness\n\nPrefer the **right** answer.", labelsPerItem = 2 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var imported = await _admin.PostAsync($"/api/projects/{project}/items", new StringContent(Items(), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        foreach (var email in new[] { l1, l2, l3 })
            Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, l1, Password);
        await page.GotoAsync("/label");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "label-projects");
        await page.GetByRole(AriaRole.Link, new() { Name = "Arithmetic check" }).ClickAsync();
        await Expect(page.Locator(".lab[data-assignment]")).ToBeVisibleAsync();
        // The circuit's key handler is attached after the first interactive render.
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.WaitForTimeoutAsync(300);

        var lab = page.Locator(".lab");
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("4");
        var expected = new Dictionary<int, (string Choice, string ShownLeft)>();

        async Task<(int Item, string ShownLeft, string Assignment)> CurrentAsync()
        {
            string left = await page.Locator("[data-side=left] .lab-scroll").InnerTextAsync();
            string right = await page.Locator("[data-side=right] .lab-scroll").InnerTextAsync();
            string prompt = await page.Locator(".lab-prompt").InnerTextAsync();
            int item = int.Parse(prompt.Split("number ")[1][..1]);
            Assert.Contains(left.Contains($"alpha {item}") ? $"beta {item}" : $"alpha {item}", right);
            return (item, left.Contains($"alpha {item}") ? "a" : "b", (await lab.GetAttributeAsync("data-assignment"))!);
        }

        async Task ChooseAsync(string key, string radioName)
        {
            await page.Keyboard.PressAsync(key);
            await Expect(page.GetByRole(AriaRole.Radio, new() { Name = radioName })).ToHaveAttributeAsync("aria-checked", "true");
        }

        async Task SubmitAndWaitAsync(string assignment)
        {
            await page.Keyboard.PressAsync("Enter");
            await Expect(lab).Not.ToHaveAttributeAsync("data-assignment", assignment);
        }

        string Other(string side) => side == "a" ? "b" : "a";

        // 1st item: "1" = the left response is better.
        var first = await CurrentAsync();
        Assert.DoesNotContain("hidden-model", await page.ContentAsync());
        Assert.DoesNotContain("<script>alert", await page.Locator(".lab").InnerHTMLAsync());
        if (first.Item == 1)
        {
            // 10,000 characters scroll inside their panel instead of stretching the page.
            var panel = page.Locator($"[data-side={(first.ShownLeft == "a" ? "left" : "right")}] .lab-scroll");
            Assert.True(await panel.EvaluateAsync<bool>("el => el.scrollHeight > el.clientHeight + 100"));
        }
        // Choosing re-renders only the controls: the panels (10,000 characters of Markdown on item 1)
        // stay the same elements, not rebuilt, which is what keeps a long item responsive.
        await page.EvaluateAsync("() => document.querySelectorAll('.lab-scroll').forEach(el => el.dataset.kept = 'yes')");
        await ChooseAsync("1", "A is better");
        Assert.Equal(2, await page.Locator(".lab-scroll[data-kept=yes]").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "label-compare");
        expected[first.Item] = (first.ShownLeft, first.ShownLeft);
        await SubmitAndWaitAsync(first.Assignment);

        // 2nd item: "2" (right better), submit, then undo gives it back and it becomes a tie.
        var second = await CurrentAsync();
        await ChooseAsync("2", "B is better");
        await SubmitAndWaitAsync(second.Assignment);
        var third = await CurrentAsync();
        await page.Keyboard.PressAsync("u");
        await Expect(lab).ToHaveAttributeAsync("data-assignment", second.Assignment);
        await Expect(BrowserFixture.PageStatus(page)).ToContainTextAsync("Undone");
        await ChooseAsync("3", "Tie");
        expected[second.Item] = ("tie", second.ShownLeft);
        await SubmitAndWaitAsync(second.Assignment);

        // 3rd item (released by the undo, so it comes back next): skip it.
        var again = await CurrentAsync();
        Assert.Equal(third.Item, again.Item);
        await page.Keyboard.PressAsync("s");
        await Expect(lab).Not.ToHaveAttributeAsync("data-assignment", again.Assignment);
        await Expect(BrowserFixture.PageStatus(page)).ToContainTextAsync("Skipped");

        // 4th item: typing in the rationale box does not trigger shortcuts; G opens the guidelines.
        var fourth = await CurrentAsync();
        Assert.NotEqual(third.Item, fourth.Item);
        await page.Locator(".lab-rationale textarea").FocusAsync();
        await page.Keyboard.TypeAsync("1 2 s u g because both are wrong");
        await Expect(page.GetByRole(AriaRole.Radio, new() { Checked = true })).ToHaveCountAsync(0);
        Assert.Equal(fourth.Assignment, await lab.GetAttributeAsync("data-assignment"));
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("g");
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Guidelines" })).ToContainTextAsync("Prefer the right answer");
        await BrowserFixture.ScreenshotAsync(page, "label-guidelines");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await ChooseAsync("4", "Both bad");
        expected[fourth.Item] = ("both_bad", fourth.ShownLeft);
        await SubmitAndWaitAsync(fourth.Assignment);

        // The skipped item returns at the end: "2" = right better.
        var last = await CurrentAsync();
        Assert.Equal(third.Item, last.Item);
        await ChooseAsync("2", "B is better");
        expected[last.Item] = (Other(last.ShownLeft), last.ShownLeft);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "All done for now" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("done-today")).ToHaveTextAsync("4");
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("0");
        await BrowserFixture.ScreenshotAsync(page, "label-done");

        // Narrow screens stack the two responses: undo brings the last item back to look at.
        await page.SetViewportSizeAsync(700, 900);
        await page.Keyboard.PressAsync("u");
        await Expect(lab).ToHaveAttributeAsync("data-assignment", last.Assignment);
        var leftBox = await page.Locator("[data-side=left]").BoundingBoxAsync();
        var rightBox = await page.Locator("[data-side=right]").BoundingBoxAsync();
        Assert.True(rightBox!.Y >= leftBox!.Y + leftBox.Height - 1, "responses stack under 760px");
        await BrowserFixture.ScreenshotAsync(page, "label-narrow");
        await ChooseAsync("2", "B is better");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "All done for now" })).ToBeVisibleAsync();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        // The votes export holds exactly the four labels, mapped through each assignment's A/B order.
        var votes = (await _admin.GetStringAsync($"/api/projects/{project}/export?format=votes"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, votes.Count);
        foreach (var v in votes)
        {
            int item = int.Parse(v.GetProperty("external_id").GetString()!["item-".Length..]);
            Assert.Equal(l1, v.GetProperty("labeler").GetString());
            Assert.Equal(expected[item].Choice, v.GetProperty("choice").GetString());
            Assert.Equal(expected[item].ShownLeft, v.GetProperty("shown_left").GetString());
        }
        Assert.Equal([1, 2, 3, 4], expected.Keys.Order());

        // N = 2: the second labeler gets the same four items; the third gets none.
        using var second2 = await KeyForAsync(l2Id);
        var prompts = new HashSet<string>();
        while (true)
        {
            var next = await second2.PostAsync($"/api/projects/{project}/assignments/next", null);
            if (next.StatusCode == HttpStatusCode.NoContent) break;
            var body = JsonDocument.Parse(await next.Content.ReadAsStringAsync()).RootElement;
            Assert.True(prompts.Add(body.GetProperty("prompt").GetString()!));
            var labeled = await second2.PostAsJsonAsync($"/api/assignments/{body.GetProperty("assignmentId").GetInt64()}/label", new { choice = "left" });
            Assert.Equal(HttpStatusCode.OK, labeled.StatusCode);
        }
        Assert.Equal(4, prompts.Count);
        using var third3 = await KeyForAsync(l3Id);
        Assert.Equal(HttpStatusCode.NoContent, (await third3.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);

        // The lead sees how the two hidden models fared against each other over all eight votes.
        var (leadContext, lead, _) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 1000 });
        await using var _l = leadContext;
        await SignInAsAdminAsync(lead);
        await lead.GotoAsync($"/projects/{project}");
        var matchup = lead.GetByRole(AriaRole.Table, new() { Name = "Models judged blind" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "hidden-model-one" });
        var cells = matchup.GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(0)).ToHaveTextAsync("hidden-model-one");
        await Expect(cells.Nth(1)).ToHaveTextAsync("hidden-model-two");
        await Expect(cells.Nth(2)).ToHaveTextAsync("8");
        await BrowserFixture.ScreenshotAsync(lead, "project-matchups");
    }

    [Fact]
    public async Task Lead_RecordsAVerdict_AndTheReviewQueueCountsAndShowsIt()
    {
        var created = await _admin.PostAsJsonAsync("/api/projects", new { name = "Disputed", labelsPerItem = 2 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        string item = JsonSerializer.Serialize(new { prompt = "Is the sky blue on a clear day?", response_a = "Yes, it is.", response_b = "No, it is green." });
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/projects/{project}/items", new StringContent(item, Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        // Two labelers disagree: one picks a side, the other a tie, whichever side showed left.
        foreach (var (name, choice) in new[] { ("picks-a-side", "left"), ("calls-a-tie", "tie") })
        {
            var (id, email) = await CreateUserAsync(name);
            Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);
            using var labeler = await KeyForAsync(id);
            var next = JsonDocument.Parse(await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsJsonAsync($"/api/assignments/{next.GetProperty("assignmentId").GetInt64()}/label", new { choice })).StatusCode);
        }

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);
        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var counts = page.GetByTestId("review-counts");
        await Expect(counts).ToHaveTextAsync("(1 awaiting a verdict · 0 resolved by a verdict)");
        var review = page.Locator(".review-item");
        var verdictB = review.GetByRole(AriaRole.Button, new() { Name = "b", Exact = true });
        await verdictB.ClickAsync();

        await Expect(counts).ToHaveTextAsync("(0 awaiting a verdict · 1 resolved by a verdict)");
        await Expect(review.GetByTestId("verdict")).ToContainTextAsync($"Verdict: b · {AdminEmail}");
        await Expect(verdictB).ToHaveAttributeAsync("aria-pressed", "true");
        await BrowserFixture.ScreenshotAsync(page, "project-review-verdict");
        // The exports follow the verdict: b is the chosen response.
        var trl = JsonDocument.Parse(await _admin.GetStringAsync($"/api/projects/{project}/export?format=trl")).RootElement;
        Assert.Equal("No, it is green.", trl.GetProperty("chosen").GetString());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Lead_NotYetAMember_JoinsFromTheLabelingPage_AndLabels()
    {
        var (_, lead) = await CreateUserAsync("visiting-lead", "Lead");
        var created = await _admin.PostAsJsonAsync("/api/projects", new { name = "Someone else's project" });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var imported = await _admin.PostAsync($"/api/projects/{project}/items", new StringContent(Items(), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, lead, Password);
        await page.GotoAsync($"/label/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are not labeling in this project yet" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "label-join");
        await page.GetByRole(AriaRole.Button, new() { Name = "Join and start labeling" }).ClickAsync();
        await Expect(page.Locator(".lab[data-assignment]")).ToBeVisibleAsync();

        // The membership is stored: a reload goes straight to labeling, and the project lists them as a Lead.
        await page.ReloadAsync();
        await Expect(page.Locator(".lab[data-assignment]")).ToBeVisibleAsync();
        await page.GotoAsync($"/projects/{project}");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = lead })).ToContainTextAsync("Lead");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Admin_CreatesTheDemoProject_AndSeesItsAdminPage()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _ = context;
        await SignInAsAdminAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Projects" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Projects", Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create demo project" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Demo: arithmetic and short reviews" })).ToBeVisibleAsync();
        await Expect(page.GetByText("30 items")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "project-admin");

        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("0");

        // The creator is a lead member and can label the demo right away, in a second tab;
        // the first tab's team view shows them labeling without a reload.
        string labelHref = (await page.Locator(".page-actions").GetByRole(AriaRole.Link, new() { Name = "Label", Exact = true }).GetAttributeAsync("href"))!;
        var tab = await context.NewPageAsync();
        tab.PageError += (_, error) => { lock (errors) errors.Add($"page error: {error}"); };
        await tab.GotoAsync(labelHref);
        await Expect(tab.Locator(".lab[data-assignment]")).ToBeVisibleAsync();
        await BrowserFixture.WaitForInteractiveAsync(tab);
        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("1");
        await tab.WaitForTimeoutAsync(300);
        await tab.Keyboard.PressAsync("2");
        await Expect(tab.GetByRole(AriaRole.Radio, new() { Name = "B is better" })).ToHaveAttributeAsync("aria-checked", "true");
        await tab.GetByRole(AriaRole.Group, new() { Name = "Correctness for response A" }).GetByRole(AriaRole.Button, new() { Name = "4" }).ClickAsync();
        await Expect(tab.GetByRole(AriaRole.Button, new() { Name = "Submit" })).ToBeDisabledAsync(); // the demo asks for a rationale
        await tab.Locator(".lab-rationale textarea").FillAsync("B is warmer and just as accurate.");
        await BrowserFixture.ScreenshotAsync(tab, "label-demo");
        await tab.Keyboard.PressAsync("Control+Enter");
        await Expect(tab.GetByTestId("done-today")).ToHaveTextAsync("1");
        await Expect(page.Locator(".metric", new() { HasText = "labels in the last hour" }).Locator(".metric-value")).ToHaveTextAsync("1");
        await BrowserFixture.ScreenshotAsync(page, "project-admin-live");

        // Closing the tab ends their presence, though they still hold the next item's lease, and
        // the page's clean-up after its circuit is gone logs no error.
        await tab.CloseAsync();
        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("0");
        var failures = App.Output.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("TaskCanceledException", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}

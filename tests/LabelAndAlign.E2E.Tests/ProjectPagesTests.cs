using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A lead's journey through the projects pages: the projects list, a project's page, its item
/// browser (state filters, search, an item opened whole with its votes and hidden model names),
/// deleting an unused item and removing a member, each after a confirmation. Then every one of
/// these pages at 1366×768 and 390×844 in both themes: no console or CSP error, nothing wider
/// than the screen. Screenshots go to TestResults/screenshots.
/// </summary>
public sealed class ProjectPagesTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private const string Password = "project-pages-password";

    /// <summary>
    /// Four items from two hidden models, two labels wanted each. Ann and Bo disagree on item 0 and
    /// agree on item 1; item 2 gets one label; item 3 none. Answers the project and Bo's user id.
    /// </summary>
    private async Task<(int Project, int Bo)> ProjectAsync()
    {
        using var admin = Api();
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Capital cities", labelsPerItem = 2 });
        int project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var lines = new StringBuilder();
        string[] countries = ["France", "Japan", "Kenya", "Peru"];
        for (int i = 0; i < countries.Length; i++)
            lines.AppendLine(JsonSerializer.Serialize(new { id = $"capital-{i}", prompt = $"What is the capital of {countries[i]}?", response_a = $"Answer A{i}", response_b = $"Answer B{i}", model_a = "sft-step-40", model_b = "dpo-step-80" }));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"))).StatusCode);

        var ids = new Dictionary<string, int>();
        foreach (string name in new[] { "ann", "bo" })
        {
            var (id, email) = await CreateUserAsync(name, "Labeler", Password);
            ids[name] = id;
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);
        }
        // Each labeler takes items in the queue's order; the prompt says which item it is.
        var plan = new Dictionary<(string, int), string> { [("ann", 0)] = "tie", [("bo", 0)] = "left", [("ann", 1)] = "tie", [("bo", 1)] = "tie", [("ann", 2)] = "tie" };
        foreach (string name in new[] { "ann", "bo" })
        {
            using var labeler = await KeyForAsync(ids[name]);
            for (int taken = 0; taken < 4; taken++)
            {
                var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
                if (next.StatusCode == HttpStatusCode.NoContent) break;
                var json = await next.Content.ReadFromJsonAsync<JsonElement>();
                int item = Array.FindIndex(countries, c => json.GetProperty("prompt").GetString()!.Contains(c));
                long assignment = json.GetProperty("assignmentId").GetInt64();
                var answer = plan.TryGetValue((name, item), out var choice)
                    ? await labeler.PostAsJsonAsync($"/api/assignments/{assignment}/label", new { choice, rationale = $"{name} on item {item}" })
                    : await labeler.PostAsync($"/api/assignments/{assignment}/skip", null);
                Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
            }
        }
        return (project, ids["bo"]);
    }

    [Fact]
    public async Task Lead_BrowsesItems_OpensOneWhole_DeletesAnUnusedOne_AndRemovesAMember()
    {
        var (project, _) = await ProjectAsync();
        var (_, lead) = await CreateUserAsync("lead", "Lead", Password);
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, lead, Password);

        await page.GotoAsync("/projects");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Capital cities" });
        await Expect(row).ToContainTextAsync("4");
        await row.GetByRole(AriaRole.Link, new() { Name = "Capital cities" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Capital cities", Level = 1 })).ToBeVisibleAsync();
        await page.Locator(".page-actions").GetByRole(AriaRole.Link, new() { Name = "Items" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Items", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.WaitForInteractiveAsync(page);
        var rows = page.Locator(".items-grid tbody tr.item-row");
        await Expect(rows).ToHaveCountAsync(4);
        await page.Locator(".mud-chip[data-state='disagreement']").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("France");
        Assert.Contains("state=disagreement", page.Url);
        await page.Locator(".mud-chip[data-state='all']").ClickAsync();
        await page.GetByLabel("Search prompts and responses").FillAsync("Answer B2");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("Kenya");
        await Expect(rows.First.Locator(".item-state")).ToHaveAttributeAsync("data-state", "in_progress");
        await page.GetByLabel("Search prompts and responses").FillAsync("");
        await Expect(rows).ToHaveCountAsync(4);
        await BrowserFixture.ScreenshotAsync(page, "project-items");

        // The disputed item whole: both answers, the hidden models, each vote with its rationale.
        await rows.Filter(new() { HasText = "France" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Item #", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("model-a")).ToHaveTextAsync("sft-step-40");
        await Expect(page.GetByTestId("model-b")).ToHaveTextAsync("dpo-step-80");
        var votes = page.GetByRole(AriaRole.Table, new() { Name = "Votes" }).Locator("tbody tr");
        await Expect(votes).ToHaveCountAsync(2);
        await Expect(votes.Filter(new() { HasText = "ann on item 0" })).ToContainTextAsync("tie");
        await BrowserFixture.ScreenshotAsync(page, "project-item");

        // Peru has no label: it can be deleted, after a confirmation.
        await page.GetByRole(AriaRole.Link, new() { Name = "All items" }).ClickAsync();
        await page.Locator(".mud-chip[data-state='unlabeled']").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await rows.First.ClickAsync();
        // The item's page, not the list (whose rows have a Delete button of the same name).
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Item #", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Delete or archive item #") }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync("Nothing points to it. This cannot be undone.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete item" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Deleted item “#");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Items", Level = 1 })).ToBeVisibleAsync();
        await page.Locator(".mud-chip[data-state='all']").ClickAsync();
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Filter(new() { HasText = "Peru" })).ToHaveCountAsync(0);

        // Bo leaves the project; the confirmation says his labels stay, and they do.
        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove bo@example.com" }).ClickAsync();
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync("Their 2 labels stay");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove member" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Members" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "bo@example.com" })).ToHaveCountAsync(0);
        using var admin = Api();
        string export = await admin.GetStringAsync($"/api/projects/{project}/export?format=votes");
        Assert.Equal(5, export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Lead_ArchivesALabeledItemAndRestoresIt_ThenArchivesTheProject_ALabelerMidItemKeepsTheirLabel_AndIsToldWhoArchivedIt()
    {
        var (project, _) = await ProjectAsync();
        var (_, lead) = await CreateUserAsync("lead", "Lead", Password);
        var (_, cy) = await CreateUserAsync("cy", "Labeler", Password);
        using var admin = Api();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email = cy, role = "Labeler" })).StatusCode);
        var (leadContext, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = leadContext;
        await BrowserFixture.SignInAsync(page, lead, Password);

        // France has two labels: Delete archives it, saying so, and Show archived brings it back with Restore.
        await page.GotoAsync($"/projects/{project}/items");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var rows = page.Locator(".items-grid tbody tr.item-row");
        await Expect(rows).ToHaveCountAsync(4);
        var france = rows.Filter(new() { HasText = "France" });
        await france.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Delete or archive item #") }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync("It has 2 labels, so it is kept: out of the labeling queue");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive item" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Archived item");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(france).ToHaveCountAsync(0);
        await page.GetByLabel("Show archived").CheckAsync();
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(france).ToContainTextAsync("Archived");
        Assert.Contains("archived=true", page.Url);
        await BrowserFixture.ScreenshotAsync(page, "project-items-archived");
        await france.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Restore item #") }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Restored item");
        await Expect(france).Not.ToContainTextAsync("Archived");

        // Cy is judging an item when the lead archives the project: her label is still taken, then she is told who archived it.
        var (cyContext, labeling, cyErrors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var __ = cyContext;
        await BrowserFixture.SignInAsync(labeling, cy, Password);
        await labeling.GotoAsync($"/label/{project}");
        await Expect(labeling.Locator(".lab[data-assignment]")).ToBeVisibleAsync();
        await BrowserFixture.WaitForInteractiveAsync(labeling);
        await labeling.WaitForTimeoutAsync(300);

        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Archive project" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive project" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Archived project");

        await labeling.Keyboard.PressAsync("1");
        await Expect(labeling.GetByRole(AriaRole.Radio, new() { Name = "A is better" })).ToHaveAttributeAsync("aria-checked", "true");
        await labeling.Keyboard.PressAsync("Enter");
        await Expect(labeling.GetByRole(AriaRole.Heading, new() { Name = "This project was archived" })).ToBeVisibleAsync();
        await Expect(labeling.GetByTestId("archived-message")).ToHaveTextAsync(
            $"This project was archived by {lead}; ask a lead to restore it. Labels already sent are kept.");
        await BrowserFixture.ScreenshotAsync(labeling, "label-archived-project");
        string votes = await admin.GetStringAsync($"/api/projects/{project}/export?format=votes");
        Assert.Contains($"\"labeler\":\"{cy}\"", votes);
        await labeling.GotoAsync("/label");
        await BrowserFixture.WaitForInteractiveAsync(labeling);
        await Expect(labeling.GetByRole(AriaRole.Link, new() { Name = "Capital cities" })).ToHaveCountAsync(0);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.True(cyErrors.Count == 0, string.Join("\n", cyErrors));
    }

    [Fact]
    public async Task Lead_DeletesAnEmptyProject_AfterAConfirmation_AndAProjectWithItemsOffersArchive()
    {
        var (project, _) = await ProjectAsync();
        using var admin = Api();
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Started by mistake" });
        int empty = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);

        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Capital cities", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete project" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Archive project" })).ToHaveCountAsync(1);

        await page.GotoAsync($"/projects/{empty}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete project" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync("Delete project “Started by mistake” and its settings and team? Nothing points to it.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete project" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Deleted project “Started by mistake”.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Projects", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Started by mistake" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Capital cities" })).ToHaveCountAsync(1);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/projects/{empty}/team")).StatusCode);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task ProjectPages_AtLaptopAndPhoneSize_InBothThemes_HaveNoErrorAndNoOverflow()
    {
        var (project, _) = await ProjectAsync();
        using var admin = Api();
        long item = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items?state=disagreement")).RootElement
            .GetProperty("items")[0].GetProperty("id").GetInt64();
        var pages = new (string Name, string Path, string Ready)[]
        {
            ("projects", "/projects", ".projects-grid tbody tr"),
            ("project", $"/projects/{project}", "[data-testid=team-card]"),
            ("items", $"/projects/{project}/items", ".items-grid tbody tr.item-row"),
            ("item", $"/projects/{project}/items/{item}", "tr[data-vote]"),
        };
        await Screens.EachAsync(browser, App.BaseUrl, async (screen, page, errors) =>
        {
            await SignInAsAdminAsync(page);
            foreach (var (name, path, ready) in pages)
            {
                await page.GotoAsync(path);
                await BrowserFixture.WaitForInteractiveAsync(page);
                await page.Locator(ready).First.WaitForAsync();
                await BrowserFixture.ScreenshotAsync(page, $"{name}-{screen.Width}-{screen.Theme}");
                await PageLayout.AssertFitsAsync(page, $"{name} at {screen}");
            }
            Assert.True(errors.Count == 0, $"{screen}:\n" + string.Join("\n", errors));
        });
    }
}

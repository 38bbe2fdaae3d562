using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Every page of the app, as each role that sees it differently (admin, lead, labeler, stakeholder, and nobody signed
/// in), on a 1366×768 laptop and a 390×844 phone, in the light and the dark theme: no console or CSP error, nothing
/// wider than the screen, the app bar whole. Screenshots of each go to TestResults/screenshots/pages.
/// </summary>
public sealed class AllPagesLayoutTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private const string Password = "all-pages-password-1";

    private sealed record Visit(string Name, string Path, string? Ready = null);

    [Fact]
    public async Task EveryPage_AsEveryRole_AtLaptopAndPhoneSize_InBothThemes_HasNoErrorNoOverflowAndAWholeHeader()
    {
        int run = await LaunchSftAsync("a run with a long name to see how it wraps on a phone", new { max_steps = 6, per_device_train_batch_size = 4, max_length = 32, eval_steps = 3, save_steps = 3 });
        await WaitForRunAsync(run, Completed, TimeSpan.FromSeconds(120));
        var (project, labeler, lead, viewer) = await ProjectWithPeopleAsync();

        var roles = new (string Role, string? Email, Visit[] Pages)[]
        {
            ("anonymous", null,
            [
                new("login", "/login", "form"), new("setup", "/setup?token=not-a-token"), new("invite", "/invite?token=not-a-token"),
                new("access-denied", "/access-denied"), new("not-found", "/not-found"),
            ]),
            ("admin", AdminEmail,
            [
                new("home", "/"), new("account", "/account"), new("label", "/label"), new("projects", "/projects"),
                new("project", $"/projects/{project}"), new("datasets", "/datasets", "[data-dataset]"),
                new("runs", "/runs", ".runs-grid .run-link"), new("run", $"/runs/{run}", ".metric-board[data-ready='true']"),
                new("upload", "/runs/upload"), new("compare", $"/compare?runs={run}", ".metric-board[data-ready='true']"),
                new("samples", "/samples", ".sample"), new("admin", "/admin"),
            ]),
            ("lead", lead,
            [
                new("home", "/"), new("runs", "/runs", ".runs-grid .run-link"), new("label", $"/label/{project}"), new("project", $"/projects/{project}"),
            ]),
            ("labeler", labeler,
            [
                new("home", "/"), new("account", "/account"), new("label", "/label"), new("labeling", $"/label/{project}", ".lab[data-assignment][data-keys]"),
            ]),
            ("viewer", viewer,
            [
                new("home", "/"), new("runs", "/runs", ".runs-grid .run-link"), new("run", $"/runs/{run}", ".metric-board[data-ready='true']"),
                new("samples", $"/samples?run={run}", ".sample"), new("compare", "/compare"),
            ]),
        };
        var problems = new List<string>();
        foreach (var (role, email, pages) in roles)
        {
            await Screens.EachAsync(browser, App.BaseUrl, async (screen, page, errors) =>
            {
                if (email is not null) await BrowserFixture.SignInAsync(page, email, email == AdminEmail ? AdminPassword : Password);
                foreach (var visit in pages)
                {
                    await page.GotoAsync(visit.Path);
                    if (email is not null)
                    {
                        await BrowserFixture.WaitForInteractiveAsync(page);
                        await Expect(page.Locator(".shell")).ToHaveAttributeAsync("data-theme", screen.Theme);
                    }
                    else await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                    if (visit.Ready is { } ready) await page.Locator(ready).First.WaitForAsync(new() { Timeout = 30_000 });
                    await BrowserFixture.ScreenshotAsync(page, $"pages/{visit.Name}-{role}-{screen.Width}-{screen.Theme}", fullPage: false);
                    try
                    {
                        await PageLayout.AssertFitsAsync(page, $"{visit.Name} as {role} at {screen}");
                    }
                    catch (Exception e) when (e is Xunit.Sdk.XunitException)
                    {
                        problems.Add(e.Message);
                    }
                }
                lock (errors) problems.AddRange(errors.Select(e => $"{role} at {screen}: {e}"));
            });
        }
        foreach (var p in problems) Output!.WriteLine(p);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>A project with items, its labeler, a lead who leads it and a viewer (the stakeholder), all able to sign in.</summary>
    private async Task<(int Project, string Labeler, string Lead, string Viewer)> ProjectWithPeopleAsync()
    {
        using var admin = Api();
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Every page: helpfulness pairs with a long project name", labelsPerItem = 1 });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        int project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var lines = Enumerable.Range(1, 4).Select(i => JsonSerializer.Serialize(new { id = $"item-{i}", prompt = $"Prompt {i}: explain it plainly.", response_a = $"Answer A {i}.", response_b = $"Answer B {i}, a little longer." }));
        var import = await admin.PostAsync($"/api/projects/{project}/items", new StringContent(string.Join("\n", lines), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        var (_, labeler) = await CreateUserAsync("pages-labeler", "Labeler", Password);
        var (_, lead) = await CreateUserAsync("pages-lead", "Lead", Password);
        var (_, viewer) = await CreateUserAsync("pages-viewer", "Viewer", Password);
        foreach (var (email, role) in new[] { (labeler, "Labeler"), (lead, "Lead") })
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role })).StatusCode);
        return (project, labeler, lead, viewer);
    }
}

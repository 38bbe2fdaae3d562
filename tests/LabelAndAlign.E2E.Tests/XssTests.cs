using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Model output and user text are data, never markup: prompts, responses and guidelines full of
/// script tags, event handlers, javascript: links and HTML inside Markdown render as inert text,
/// and no dialog ever opens.
/// </summary>
public sealed class XssTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string AdminKey = "xss-admin-api-key-0123456789";

    private static readonly string[] Payloads =
    [
        "<script>alert('prompt')</script>",
        "<img src=x onerror=\"alert('img')\">",
        "[click me](javascript:alert('link'))",
        "**bold** <b onmouseover=\"alert('md')\">html in markdown</b> <iframe src=\"javascript:alert('frame')\"></iframe>",
        "<svg onload=alert('svg')></svg>",
    ];

    // What a person sees of each payload: raw HTML shows as its own text; a Markdown link keeps
    // its words but loses the javascript: target.
    private static readonly string[] Visible =
    [
        "<script>alert('prompt')</script>",
        "<img src=x onerror=",
        "click me",
        "<b onmouseover=",
        "<svg onload=alert('svg')></svg>",
    ];

    [Fact]
    public async Task HostileItemsAndGuidelines_RenderAsInertText()
    {
        await using var app = await AppProcess.StartAsync(AppProcess.BootstrapAdmin("admin@example.com", "xss-admin-password", AdminKey));
        using var http = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);

        string guidelines = "# Rules\n\n" + string.Join("\n\n", Payloads);
        var project = await http.PostAsJsonAsync("/api/projects", new { name = "hostile <script>alert('name')</script>", guidelines });
        project.EnsureSuccessStatusCode();
        int projectId = (await project.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var lines = new StringBuilder();
        foreach (var payload in Payloads)
            lines.AppendLine(JsonSerializer.Serialize(new { prompt = payload, response_a = payload + " (a)", response_b = "Safe answer, then " + payload }));
        (await http.PostAsync($"/api/projects/{projectId}/items", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"))).EnsureSuccessStatusCode();
        const string email = "victim@example.com";
        (await http.PostAsJsonAsync("/api/users", new { email, password = "victim-password-1", role = "Labeler" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/projects/{projectId}/members", new { email, role = "Labeler" })).EnsureSuccessStatusCode();

        var (context, page, errors) = await browser.NewPageAsync(app.BaseUrl);
        await using var _ = context;
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            lock (dialogs) dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        await BrowserFixture.SignInAsync(page, email, "victim-password-1");

        await page.GotoAsync("/label");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.GetByText("hostile <script>alert('name')</script>").First).ToBeVisibleAsync();

        await page.GotoAsync($"/label/{projectId}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        for (int i = 0; i < Payloads.Length; i++)
        {
            // Whatever item came up, its hostile text must be on screen as text (once the item has loaded: the page may
            // still say "Loading…" right after the circuit starts or a submit, above all on PostgreSQL).
            await page.WaitForFunctionAsync("vs => vs.some(v => (document.querySelector('main')?.innerText ?? '').includes(v))", Visible,
                new() { Timeout = 30_000 });
            var body = await page.Locator("main").InnerTextAsync();
            Assert.True(Visible.Any(v => body.Contains(v, StringComparison.Ordinal)), body);
            await AssertInertAsync(page);
            await page.Keyboard.PressAsync("g");
            await AssertInertAsync(page);
            await page.Keyboard.PressAsync("Escape");
            await page.Keyboard.PressAsync("1");
            await page.Keyboard.PressAsync("Enter");
            await page.WaitForTimeoutAsync(300);
        }
        await BrowserFixture.ScreenshotAsync(page, "xss-inert");
        Assert.True(dialogs.Count == 0, "dialogs opened: " + string.Join(", ", dialogs));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static async Task AssertInertAsync(IPage page)
    {
        var content = page.Locator("main");
        Assert.Equal(0, await content.Locator("script").CountAsync());
        Assert.Equal(0, await content.Locator("iframe, svg[onload], [onerror], [onload], [onmouseover]").CountAsync());
        Assert.Equal(0, await content.Locator("a[href^='javascript:' i]").CountAsync());
        Assert.Equal(0, await content.Locator("img[src='x']").CountAsync());
    }
}

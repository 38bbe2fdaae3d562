using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Benchmark, reported and never asserted: a labeler's Enter (submit) to the next item drawn on
/// the labeling page at 1366x768, timed inside the browser from the keydown to the first frame
/// after the page shows the next assignment. It uses only what the pre-MudBlazor page had too
/// (<c>.lab[data-assignment]</c>, keys 1 and Enter), so the same file measures both UIs.
/// </summary>
public sealed class LabelingKeyBenchmarkTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private const int Items = 40;
    private const int Warmup = 5;

    [Fact]
    public async Task KeyPressToNextItemDrawn_IsReported()
    {
        var admin = Api();
        var (_, email) = await CreateUserAsync("bench-labeler", "Labeler", "bench-labeler-password");
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Key bench", labelsPerItem = 1 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var lines = Enumerable.Range(1, Items).Select(i => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["id"] = $"bench-{i}", ["prompt"] = $"Question {i}: explain step {i} of the method in a paragraph.",
            ["response_a"] = string.Concat(Enumerable.Repeat($"Alpha answer {i}, with **Markdown** and `code`. ", 40)),
            ["response_b"] = string.Concat(Enumerable.Repeat($"Beta answer {i}, a different take. ", 40)),
        }));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items", new StringContent(string.Join("\n", lines), Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _ = context;
        // When each message of the circuit arrives: the first after a key press is the server's answer to it.
        await context.AddInitScriptAsync(@"(() => {
            window.__circuit = [];
            const Socket = window.WebSocket;
            window.WebSocket = class extends Socket {
              constructor(url, protocols) { super(url, protocols); this.addEventListener('message', () => window.__circuit.push(performance.now())); }
            };
          })()");
        await page.SetViewportSizeAsync(1366, 768);
        await BrowserFixture.SignInAsync(page, email, "bench-labeler-password");
        await page.GotoAsync($"/label/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var lab = page.Locator(".lab[data-assignment]");
        await Expect(lab).ToBeVisibleAsync();
        // The keys are attached after the first interactive render: a choice that shows proves it.
        var chosen = page.Locator("[role=radio][aria-checked=true]");
        for (int attempt = 0; await chosen.CountAsync() == 0; attempt++)
        {
            Assert.True(attempt < 30, "the labeling page's keys never attached");
            await page.Keyboard.PressAsync("1");
            await page.WaitForTimeoutAsync(1000);
        }

        // In the page: the time of each Enter's keydown, and of the first frame after .lab shows a
        // new assignment (a rAF then a task: the frame has been drawn).
        await page.EvaluateAsync(@"() => {
            window.__times = [];
            window.__answers = [];
            let pressed = null;
            window.addEventListener('keydown', e => { if (e.key === 'Enter') pressed = performance.now(); }, true);
            const lab = document.querySelector('.lab');
            new MutationObserver(() => {
                if (pressed === null) return;
                const start = pressed; pressed = null;
                const answer = window.__circuit.find(t => t >= start);
                if (answer !== undefined) window.__answers.push(answer - start);
                requestAnimationFrame(() => setTimeout(() => window.__times.push(performance.now() - start), 0));
            }).observe(lab, { attributes: true, attributeFilter: ['data-assignment'] });
        }");

        for (int i = 0; i < Items - 1; i++)
        {
            string assignment = (await lab.GetAttributeAsync("data-assignment"))!;
            if (i > 0)
            {
                await page.Keyboard.PressAsync("1");
                await Expect(chosen).ToHaveCountAsync(1);
            }
            await page.Keyboard.PressAsync("Enter");
            await Expect(lab).Not.ToHaveAttributeAsync("data-assignment", assignment);
            await page.WaitForFunctionAsync($"() => window.__times.length >= {i + 1}");
        }
        var times = (await page.EvaluateAsync<double[]>("() => window.__times")).Skip(Warmup).Order().ToArray();
        var answers = (await page.EvaluateAsync<double[]>("() => window.__answers")).Skip(Warmup).Order().ToArray();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Benchmarks.Report(string.Create(CultureInfo.InvariantCulture,
            $"labeling key press to next item drawn (1366x768, {times.Length} items after {Warmup} warm-up): median {Percentile(times, 0.5):F1} ms, p90 {Percentile(times, 0.9):F1} ms " +
            $"(the circuit's first message after the key: median {Percentile(answers, 0.5):F1} ms, p90 {Percentile(answers, 0.9):F1} ms)"));
    }
}

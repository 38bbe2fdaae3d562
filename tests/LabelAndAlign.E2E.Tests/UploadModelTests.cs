using System.IO.Compression;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Bring your own model in the browser: a lead uploads a GPT-2-layout model under Runs → Upload model (the progress bar
/// moves while it goes, on a throttled link), lands on the launch form with it chosen as the base, named with its
/// lineage; a model missing its weights is refused with the reason and nothing is listed.
/// </summary>
public sealed class UploadModelTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    /// <summary>A real model's files in Hugging Face's layout: a tiny SFT run's checkpoint, downloaded as its zip and unpacked.</summary>
    private async Task<string> ModelFilesAsync()
    {
        int run = await LaunchSftAsync("source model", new { max_steps = 2, per_device_train_batch_size = 4, max_length = 32 });
        await WaitForRunAsync(run, Completed, TimeSpan.FromSeconds(180));
        var api = Api();
        int checkpoint = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{run}/checkpoints")).RootElement[0].GetProperty("id").GetInt32();
        string dir = Directory.CreateTempSubdirectory("lna-e2e-upload").FullName;
        await using (var zip = await api.GetStreamAsync($"/api/checkpoints/{checkpoint}/download"))
            ZipFile.ExtractToDirectory(zip, dir);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")) && File.Exists(Path.Combine(dir, "tokenizer.json")), string.Join(", ", Directory.GetFiles(dir)));
        return dir;
    }

    [Fact]
    public async Task Lead_UploadsAModel_WithProgress_AndLaunchesFromIt()
    {
        string files = await ModelFilesAsync();
        try
        {
            var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
            await SignInAsAdminAsync(page);
            await page.GotoAsync("/runs");
            await BrowserFixture.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Upload model" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Upload model", Level = 1 })).ToBeVisibleAsync();
            await BrowserFixture.WaitForInteractiveAsync(page);

            // Weights missing: refused, naming the file, and the form stays.
            await page.GetByLabel("Name").First.FillAsync("half a model");
            await page.GetByLabel("Model files").SetInputFilesAsync([Path.Combine(files, "config.json"), Path.Combine(files, "tokenizer.json")]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
            await Expect(page.GetByTestId("upload-errors")).ToContainTextAsync("model.safetensors is missing");
            await BrowserFixture.ScreenshotAsync(page, "upload-model-refused");

            // A link of 64 KB/s makes the upload last long enough to watch the bar move.
            var cdp = await context.NewCDPSessionAsync(page);
            await cdp.SendAsync("Network.enable");
            await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
            {
                ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 64 * 1024,
            });
            await page.GetByLabel("Name").First.FillAsync("my gpt2");
            await page.GetByLabel("Model files").SetInputFilesAsync(Directory.GetFiles(files));
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload", Exact = true }).ClickAsync();
            var bar = page.GetByRole(AriaRole.Progressbar, new() { Name = "Upload progress" });
            await Expect(bar).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => { const b = document.querySelector('[aria-label=\"Upload progress\"]'); return b && +b.getAttribute('aria-valuenow') > 0; }");
            await BrowserFixture.ScreenshotAsync(page, "upload-model-progress", fullPage: false);

            // Done: the launch form opens with the upload as the base, named with its lineage.
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/runs\?base=\d+&algorithm=sft"), new() { Timeout = 120_000 });
            await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
            {
                ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
            });
            await BrowserFixture.WaitForInteractiveAsync(page);
            string label = $"my gpt2 · uploaded by {AdminEmail} on {DateTime.UtcNow:yyyy-MM-dd}";
            var baseSelect = page.GetByLabel("Base checkpoint");
            await Expect(baseSelect).ToHaveValueAsync(label);
            await BrowserFixture.ScreenshotAsync(page, "upload-model-launch");

            var listed = JsonDocument.Parse(await Api().GetStringAsync("/api/checkpoints")).RootElement.EnumerateArray().ToList();
            Assert.Contains(listed, c => c.GetProperty("label").GetString() == label);
            Assert.DoesNotContain(listed, c => c.GetProperty("runName").GetString() == "half a model");

            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/runs/upload");
            await BrowserFixture.WaitForInteractiveAsync(page);
            await BrowserFixture.ScreenshotAsync(page, "upload-model-390");
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the upload page scrolls sideways at 390 px");
            // The one console line allowed: the browser logging the refused upload's 400.
            Assert.Equal(["400"], errors.Select(e => e.Contains("status of 400", StringComparison.Ordinal) ? "400" : e));
            await context.CloseAsync();
        }
        finally
        {
            Directory.Delete(files, recursive: true);
        }
    }
}

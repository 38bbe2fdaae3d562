using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// One run recipe: the web app's engine and <c>lna train</c>, each its own real process, given the same options
/// (API JSON and YAML, the same keys), the same rows and the same seed, record exactly the same metrics.
/// </summary>
public sealed class RecipeParityTests(ITestOutputHelper output) : AdminAppTest(output)
{
    private static readonly string[] Rows = Enumerable.Range(0, 40)
        .Select(i => $$"""{"prompt": "Review {{i}}:", "completion": " {{(i % 3 == 0 ? "great" : "dull")}} film number {{i}}."}""").ToArray();

    private const string Options = """
        {"max_steps": 8, "per_device_train_batch_size": 4, "gradient_accumulation_steps": 2, "learning_rate": 0.003, "warmup_steps": 2, "seed": 7,
         "eval_steps": 4, "save_steps": 4, "max_length": 32, "n_embd": 32, "n_layer": 1, "n_head": 2}
        """;

    [Fact]
    public async Task SameSpecRowsAndSeed_WebAppAndLnaTrain_RecordExactlyTheSameMetrics()
    {
        var web = await WebMetricsAsync();
        var lna = await LnaMetricsAsync();
        Assert.Equal(lna.Keys.Order(), web.Keys.Order());
        Assert.Contains("loss", web.Keys);
        Assert.Contains("eval/completions/mean_length", web.Keys);
        foreach (var (name, values) in lna)
            Assert.True(values.SequenceEqual(web[name]), $"{name}: lna {string.Join(" ", values)} / web {string.Join(" ", web[name])}");
    }

    private async Task<Dictionary<string, double[]>> WebMetricsAsync()
    {
        using var api = Api();
        var imported = await api.PostAsync("/api/datasets?name=reviews", new StringContent(string.Join("\n", Rows), Encoding.UTF8, "application/x-ndjson"));
        int dataset = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var launched = await api.PostAsJsonAsync("/api/runs", new { name = "web", algorithm = "sft", config = JsonDocument.Parse(Options).RootElement, source = new { datasetId = dataset } });
        string body = await launched.Content.ReadAsStringAsync();
        Assert.True(launched.IsSuccessStatusCode, body);
        int id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
        await WaitForRunAsync(id, r => r.GetProperty("status").GetString() is "Completed", TimeSpan.FromMinutes(5));
        var metrics = new Dictionary<string, double[]>();
        foreach (var name in (await api.GetFromJsonAsync<string[]>($"/api/runs/{id}/metrics"))!)
            metrics[name] = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/metrics?name={Uri.EscapeDataString(name)}&maxPoints=100000"))
                .EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToArray();
        return metrics;
    }

    private static async Task<Dictionary<string, double[]>> LnaMetricsAsync()
    {
        string folder = Directory.CreateTempSubdirectory("lna-parity-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(folder, "reviews.jsonl"), Rows);
            var yaml = new StringBuilder("algorithm: sft\noutput_dir: out\ndataset: reviews.jsonl\n");
            foreach (var option in JsonDocument.Parse(Options).RootElement.EnumerateObject()) yaml.Append($"{option.Name}: {option.Value.GetRawText()}\n");
            File.WriteAllText(Path.Combine(folder, "run.yaml"), yaml.ToString());
            var start = new ProcessStartInfo(BuiltExecutable.Find("LabelAndAlign.Cli", "lna"), ["train", "--config", Path.Combine(folder, "run.yaml")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"lna train exited with {process.ExitCode}: {await stdout}{await stderr}");
            return File.ReadAllLines(Path.Combine(folder, "out", "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
                .GroupBy(l => l.GetProperty("name").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(l => l.GetProperty("value").GetDouble()).ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

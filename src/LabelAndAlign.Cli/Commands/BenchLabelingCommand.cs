using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LabelAndAlign.Cli.LoadTest;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna bench labeling --url &lt;base&gt; --api-key &lt;admin key&gt; [--items 20000 --labels 500 --labels-per-item 3]</c>:
/// how a large project feels to one labeler, through the running app's API (the calls the
/// labeling page's work comes down to). It creates a project of <c>--items</c> items, a labeler
/// who is a member of it, then times: the first assignment (opening the page), the held one again,
/// the project list with its counts, <c>--labels</c> × (next + label), the same reads after
/// them, and the lead's item browser (a page of every item, the last page, each state filter and
/// a text search). Prints one <c>key=value</c> per line; asserts nothing. Use a scratch installation: the
/// project and the labeler stay.
/// </summary>
public sealed class BenchLabelingCommand : ICliCommand
{
    /// <summary>Items per import request, well under the default import limit.</summary>
    private const int ImportChunk = 50_000;

    private const int Repeats = 5;

    public string Name => "bench labeling";
    public string Summary => "time a large project's labeling calls on a running app (--url --api-key [--items 20000 --labels 500])";

    public async Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var baseUrl = new Uri(args.Required("url"));
        string adminKey = args.Required("api-key");
        int items = args.Int("items", 20_000);
        int labels = args.Int("labels", 500);
        int labelsPerItem = args.Int("labels-per-item", 3);
        args.RejectUnknown();
        if (items is < 1 or > 10_000_000) throw new CliUsageException($"--items must lie in 1..10000000, found {items}.");
        if (labels < 0 || labels > items) throw new CliUsageException($"--labels must lie in 0..--items ({items}), found {labels}.");
        if (labelsPerItem is < 1 or > 50) throw new CliUsageException($"--labels-per-item must lie in 1..50, found {labelsPerItem}.");

        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(10) };
        var admin = new LabelingApiClient(http, adminKey);
        string stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(1000, 9999);
        int project = await admin.CreateProjectAsync($"bench {stamp}", labelsPerItem, cancel);
        stdout.WriteLine($"project={project}");

        var import = Stopwatch.StartNew();
        for (int start = 0; start < items; start += ImportChunk)
            await admin.ImportItemsAsync(project, Items(start, Math.Min(ImportChunk, items - start)), cancel);
        stdout.WriteLine($"items={items}");
        stdout.WriteLine(FormattableString.Invariant($"import_items_per_s={items / import.Elapsed.TotalSeconds:0}"));

        string email = $"bench-{stamp}@example.com";
        int labelerId = await admin.CreateUserAsync(email, Guid.NewGuid().ToString("N"), "Labeler", cancel);
        await admin.AddMemberAsync(project, email, "Labeler", cancel);
        var labeler = new LabelingApiClient(http, await admin.IssueKeyAsync(labelerId, cancel));

        stdout.WriteLine(FormattableString.Invariant($"open_ms={await TimeAsync(() => labeler.NextAsync(project, cancel)):0.0}"));
        stdout.WriteLine(FormattableString.Invariant($"next_held_ms={await MedianAsync(() => labeler.NextAsync(project, cancel)):0.0}"));
        stdout.WriteLine(FormattableString.Invariant($"project_list_ms={await MedianAsync(() => labeler.ListProjectsAsync(cancel)):0.0}"));

        var labeling = Stopwatch.StartNew();
        for (int i = 0; i < labels; i++)
        {
            var next = await labeler.NextAsync(project, cancel)
                ?? throw new InvalidOperationException($"The queue ran dry after {i} labels of {labels}; use fewer --labels.");
            await labeler.LabelAsync(next.AssignmentId, i % 2 == 0 ? "left" : "right", cancel);
        }
        stdout.WriteLine($"labels={labels}");
        if (labels > 0) stdout.WriteLine(FormattableString.Invariant($"label_ms_per_item={labeling.Elapsed.TotalMilliseconds / labels:0.00}"));
        stdout.WriteLine(FormattableString.Invariant($"next_after_labels_ms={await TimeAsync(() => labeler.NextAsync(project, cancel)):0.0}"));
        stdout.WriteLine(FormattableString.Invariant($"project_list_after_labels_ms={await MedianAsync(() => labeler.ListProjectsAsync(cancel)):0.0}"));

        int lastPage = (items - 1) / 25;
        foreach (var (figure, query) in new[]
        {
            ("items_page_ms", "pageSize=25"), ("items_last_page_ms", $"page={lastPage}&pageSize=25"),
            ("items_unlabeled_ms", "state=unlabeled"), ("items_in_progress_ms", "state=in_progress"), ("items_complete_ms", "state=complete"),
            ("items_disagreement_ms", "state=disagreement"), ("items_gold_ms", "state=gold"), ("items_search_ms", $"q=What%20is%20{items / 2}%20"),
        })
            stdout.WriteLine(FormattableString.Invariant($"{figure}={await MedianAsync(() => admin.ListItemsAsync(project, query, cancel)):0.0}"));
        return 0;
    }

    /// <summary>Items numbered from <paramref name="start"/>: arithmetic prompts, one right and one wrong answer.</summary>
    private static string Items(int start, int count)
    {
        var lines = new StringBuilder();
        for (int i = start; i < start + count; i++)
            lines.Append(JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["id"] = $"item-{i}",
                ["prompt"] = $"What is {i} + {i % 97}?",
                ["response_a"] = $"It is {i + i % 97}.",
                ["response_b"] = $"It is {i + i % 97 + 1}.",
            })).Append('\n');
        return lines.ToString();
    }

    private static async Task<double> TimeAsync(Func<Task> call)
    {
        long start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<double> MedianAsync(Func<Task> call)
    {
        var times = new List<double>();
        for (int i = 0; i < Repeats; i++) times.Add(await TimeAsync(call));
        times.Sort();
        return times[Repeats / 2];
    }
}

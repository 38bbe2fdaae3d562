using System.Diagnostics;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A large project stays usable: the labeling page opens, hands out items and counts progress
/// correctly after hundreds of labels. Normally on 20,000 items; with <c>LNA_BENCH=1</c> on
/// 1,000,000, printing how long each step took (the figure for the closing note:
/// <c>LNA_BENCH=1 dotnet test tests/LabelAndAlign.Web.Tests -c Release --filter LabelingBenchmarkTests --logger "console;verbosity=detailed"</c>).
/// Timings are printed, never asserted: a noisy machine must not fail the build.
/// </summary>
public class LabelingBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Benchmark_MillionItemProject_OpensTheLabelingPageFast()
    {
        int count = Environment.GetEnvironmentVariable("LNA_BENCH") == "1" ? 1_000_000 : 20_000;
        using var db = new TestDatabase();
        int lead = await AddUserAsync(db, "lead@example.com");
        int labeler = await AddUserAsync(db, "labeler@example.com");
        int project = await AddProjectAsync(db, lead, labelsPerItem: 3);

        var fill = Stopwatch.StartNew();
        using (var c = new SqliteConnection(db.ConnectionString))
        {
            c.Open();
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO items (ProjectId, ExternalId, PromptText, ResponseA, ResponseB, IsGold, SlotsTaken, LabelCount, IsOpen, CreatedAt)
                VALUES ($p, $e, $prompt, $a, $b, 0, 0, 0, 1, '2026-01-01 00:00:00');
                """;
            cmd.Parameters.AddWithValue("$p", project);
            var e = cmd.Parameters.Add("$e", SqliteType.Text);
            var prompt = cmd.Parameters.Add("$prompt", SqliteType.Text);
            var a = cmd.Parameters.Add("$a", SqliteType.Text);
            var b = cmd.Parameters.Add("$b", SqliteType.Text);
            for (int i = 0; i < count; i++)
            {
                e.Value = $"item-{i}";
                prompt.Value = $"What is {i} + {i % 97}?";
                a.Value = $"It is {i + i % 97}.";
                b.Value = $"It is {i + i % 97 + 1}.";
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
        output.WriteLine($"Inserted {count:N0} items in {fill.Elapsed.TotalSeconds:F1} s");

        async Task<double> TimeAsync(string what, Func<Task> action)
        {
            var sw = Stopwatch.StartNew();
            await action();
            double ms = sw.Elapsed.TotalMilliseconds;
            output.WriteLine($"{what}: {ms:F1} ms");
            return ms;
        }

        // A running server has built its EF model already; do that first so the figures below are the page's own.
        int small = await AddProjectAsync(db, lead, labelsPerItem: 1);
        await AddItemsAsync(db, small, 2);
        await using (var warm = db.CreateContext())
            await TimeAsync("EF model build + query compilation, on a 2-item project (once per process)", () =>
                new LabelingSession(new LabelingQueue(warm, TimeProvider.System, new LabelingRandom(9)), new ProjectService(warm, TimeProvider.System), small, labeler).LoadAsync());

        // A new context and connection, as a new page request has.
        double open;
        await using (var ctx = db.CreateContext())
        {
            var session = new LabelingSession(new LabelingQueue(ctx, TimeProvider.System, new LabelingRandom(1)), new ProjectService(ctx, TimeProvider.System), project, labeler);
            open = await TimeAsync("Open labeling page (project + next assignment + progress)", () => session.LoadAsync());
            Assert.NotNull(session.Current);
        }
        await using (var ctx = db.CreateContext())
            await TimeAsync("/label project list with counts", () => new ProjectService(ctx, TimeProvider.System).ListAsync(labeler, all: false));

        // The labeler labels 500 items (each stays open for two more labelers), then asks again.
        await using (var ctx = db.CreateContext())
        {
            var queue = new LabelingQueue(ctx, TimeProvider.System, new LabelingRandom(2));
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 500; i++)
            {
                var v = (await queue.NextAsync(project, labeler))!;
                await queue.SubmitAsync(v.AssignmentId, labeler, new LabelInput("left"));
            }
            output.WriteLine($"500 × (next + submit): {sw.Elapsed.TotalMilliseconds / 500:F2} ms per label");
            await TimeAsync("Next assignment after 500 labels", async () => await queue.NextAsync(project, labeler));
        }
        await using (var ctx = db.CreateContext())
        {
            var session = new LabelingSession(new LabelingQueue(ctx, TimeProvider.System, new LabelingRandom(3)), new ProjectService(ctx, TimeProvider.System), project, labeler);
            await TimeAsync("Open labeling page again, after 500 labels", () => session.LoadAsync());
            Assert.NotNull(session.Current);
        }
        await using (var ctx = db.CreateContext())
        {
            var mine = (await new ProjectService(ctx, TimeProvider.System).ListAsync(labeler, all: true)).Single(p => p.Id == project);
            output.WriteLine($"Project summary after 500 labels: {mine}");
            Assert.Equal(count, mine.Items);
            Assert.Equal(500, mine.MyLabels);
        }
        output.WriteLine($"Opening the labeling page took {open:F0} ms");
    }
}

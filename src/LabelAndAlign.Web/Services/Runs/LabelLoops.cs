using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>How far people are with the round an online DPO run waits for.</summary>
public sealed record LabelLoopStatus(int ProjectId, string ProjectName, int Round, int Labeled, int Total)
{
    public bool Complete => Labeled >= Total;
}

/// <summary>
/// Online DPO judged by people (<c>judge: people</c>): every round the worker sends becomes items of the run's labeling
/// project — the two responses named <c>run 12 · step 40 · sample 1</c> and <c>… sample 2</c>, which labelers never see,
/// the item's id <c>run 12 · round 4 · pair 0 · prompt 17</c> saying where it came from — and the project's resolved labels
/// (a lead's verdict, else the majority, as dataset snapshots take them) come back as the run's preference pairs. A
/// round is made once: sent again (a resumed run, a retried call) it is left as it is.
/// </summary>
public sealed partial class LabelLoops(IDbContextFactory<AppDbContext> dbs, ImportService imports)
{
    /// <summary>The labeling project of a run judged by people; null for any other run.</summary>
    public static int? ProjectOf(Run run)
    {
        if (run.Algorithm != Algorithm.Dpo.WireName()) return null;
        var config = JsonNode.Parse(run.ConfigJson) as JsonObject;
        if (config?["judge"]?.GetValue<string>() != "people") return null;
        return config["label_project"]?.GetValue<int>();
    }

    /// <summary>Steps between rounds of a run judged by people.</summary>
    private static int EveryOf(Run run) => (JsonNode.Parse(run.ConfigJson) as JsonObject)?["label_every"]?.GetValue<int>() ?? new DpoOptions().LabelEvery;

    public static string ItemId(int runId, int round, int pair, int prompt) => $"{RoundPrefix(runId, round)}pair {pair} · prompt {prompt}";

    private static string RoundPrefix(int runId, int round) => $"{RunPrefix(runId)}{round} · ";

    private static string RunPrefix(int runId) => $"run {runId} · round ";

    [GeneratedRegex(@"^run (\d+) · round (\d+) · pair (\d+) · prompt (\d+)$")]
    private static partial Regex ItemIdPattern();

    /// <summary>Adds round <paramref name="round"/>'s pairs to the run's project unless the round is there already; then its labels.</summary>
    public async Task<LabelRoundState> SendAsync(Run run, int round, LabelRoundRequest request, CancellationToken cancel = default)
    {
        var project = await ProjectAsync(run, cancel);
        if (request.Pairs.Count is 0 or > DpoOptions.MaxLabelPairs)
            throw new InputException("pairs", $"A round holds 1 to {DpoOptions.MaxLabelPairs} pairs; round {round} sent {request.Pairs.Count}.");
        string prefix = RoundPrefix(run.Id, round);
        bool sent;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            sent = await db.Items.AnyAsync(i => i.ProjectId == project.Id && i.ExternalId != null && i.ExternalId.StartsWith(prefix), cancel);
        if (!sent)
        {
            string model = Archiving.Lineage.RunModel(run.Id, request.Step);
            var result = await imports.ImportAsync(project.Id, request.Pairs.Select((p, i) => new JsonObject
            {
                ["id"] = ItemId(run.Id, round, i, p.Prompt), ["prompt"] = p.PromptText, ["response_a"] = p.ResponseA, ["response_b"] = p.ResponseB,
                ["model_a"] = $"{model} · sample 1", ["model_b"] = $"{model} · sample 2",
            }), cancel);
            if (!result.Ok)
                throw new InputException("pairs", $"Round {round}'s pairs were not added to project '{project.Name}': " + string.Join("; ", result.Errors.Take(5).Select(e => e.Message)));
        }
        return await StateAsync(run, round, cancel);
    }

    /// <summary>Round <paramref name="round"/>'s progress and every preference labeled in the rounds up to it.</summary>
    public async Task<LabelRoundState> StateAsync(Run run, int round, CancellationToken cancel = default)
    {
        var project = await ProjectAsync(run, cancel);
        var items = await ItemsAsync(run.Id, project, cancel);
        var thisRound = items.Where(i => i.Round == round).ToList();
        var pairs = items.Where(i => i.Round <= round && i.Done && i.Outcome is Choices.A or Choices.B)
            .OrderBy(i => i.Round).ThenBy(i => i.Pair)
            .Select(i => i.Outcome == Choices.A ? new LabeledRoundPair(i.Prompt, i.A, i.B) : new LabeledRoundPair(i.Prompt, i.B, i.A))
            .ToList();
        return new LabelRoundState(round, thisRound.Count(i => i.Done), thisRound.Count, pairs);
    }

    /// <summary>
    /// What the run page says while a run judged by people waits: its newest round, if the run is running and that round
    /// still lacks labels; null otherwise.
    /// </summary>
    public async Task<LabelLoopStatus?> WaitingAsync(int runId, CancellationToken cancel = default)
    {
        Run? run;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, cancel);
        if (run is null || run.Status != RunStatus.Running || ProjectOf(run) is null) return null;
        var project = await ProjectAsync(run, cancel, requireOpen: false);
        var items = await ItemsAsync(run.Id, project, cancel);
        if (items.Count == 0) return null;
        int round = items.Max(i => i.Round);
        if (run.Step > round * EveryOf(run)) return null; // trained past the round's start: it was labeled
        var latest = items.Where(i => i.Round == round).ToList();
        var status = new LabelLoopStatus(project.Id, project.Name, round, latest.Count(i => i.Done), latest.Count);
        return status.Complete ? null : status;
    }

    private sealed record RoundItem(int Round, int Pair, int Prompt, string A, string B, bool Done, string? Outcome);

    /// <summary>The run's round items in the project, each with whether it has its labels (all of them, a verdict, or archived) and its resolved outcome.</summary>
    private async Task<List<RoundItem>> ItemsAsync(int runId, Project project, CancellationToken cancel)
    {
        string prefix = RunPrefix(runId);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var items = await db.Items.AsNoTracking().Where(i => i.ProjectId == project.Id && i.ExternalId != null && i.ExternalId.StartsWith(prefix))
            .Select(i => new { i.Id, i.ExternalId, i.ResponseA, i.ResponseB, i.LabelCount, i.Verdict, Archived = i.ArchivedAt != null })
            .ToListAsync(cancel);
        var ids = items.Select(i => i.Id).ToList();
        var choices = (await db.Labels.AsNoTracking().Where(l => l.ProjectId == project.Id && ids.Contains(l.ItemId)).Select(l => new { l.ItemId, l.Choice }).ToListAsync(cancel))
            .ToLookup(l => l.ItemId, l => l.Choice);
        var result = new List<RoundItem>(items.Count);
        foreach (var i in items)
        {
            var m = ItemIdPattern().Match(i.ExternalId!);
            if (!m.Success || Number(m, 1) != runId) continue;
            bool done = i.Archived || i.Verdict is not null || i.LabelCount >= project.LabelsPerItem;
            string? outcome = i.Archived ? null : ExportService.Resolve(i.Verdict, choices[i.Id]);
            result.Add(new RoundItem(Number(m, 2), Number(m, 3), Number(m, 4), i.ResponseA, i.ResponseB, done, outcome));
        }
        return result;
    }

    private static int Number(Match m, int group) => int.Parse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    private async Task<Project> ProjectAsync(Run run, CancellationToken cancel, bool requireOpen = true)
    {
        int projectId = ProjectOf(run) ?? throw new InputException("run", $"Run {run.Id} is not judged by people (judge: people), so it has no labeling rounds.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, cancel)
            ?? throw new InputException("label_project", $"Run {run.Id}'s labeling project {projectId} no longer exists; cancel the run and launch it again with another project.");
        if (requireOpen && project.ArchivedAt is not null)
            throw new InputException("label_project", $"Run {run.Id}'s labeling project '{project.Name}' was archived, so its rounds cannot be labeled; restore the project (Show archived on the Projects page, then Restore) and launch the run again, or choose another project. The labels given so far are kept in the project.");
        return project;
    }
}

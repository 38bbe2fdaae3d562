using System.Security.Claims;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Evaluation;

/// <summary>A checkpoint's blind head-to-head against its run's starting model, as a project's labelers judged it.</summary>
public sealed record HumanWinRate(int ProjectId, string ProjectName, int Step, int Votes, WinRate WinRate);

/// <summary>
/// The human judge of a run: "Send to blind review" turns a checkpoint's evaluation samples and the starting model's
/// (step 0) on the same prompts into items of a labeling project — the models named <c>run 12 · step 400</c> and
/// <c>run 12 · step 0</c>, which labelers never see — and the project's head-to-head results (<see cref="ModelMatchups"/>,
/// computed by the labeling side from every vote) come back as the checkpoint's human win rate.
/// </summary>
public sealed class BlindReviews(IDbContextFactory<AppDbContext> dbs, RunService runs, ImportService imports, ProjectService projects, ReviewService reviews)
{
    /// <summary>The hidden model name of a run's step; the prefix every blind item of the run shares.</summary>
    public static string ModelName(int runId, int step) => Archiving.Lineage.RunModel(runId, step);

    private static string Prefix(int runId) => Archiving.Lineage.RunModelPrefix(runId);

    /// <summary>Adds one item per evaluation prompt the step and the start share; returns how many. Only those who manage the project (leads, admins) may.</summary>
    public async Task<int> SendAsync(int runId, int step, int projectId, ClaimsPrincipal user, CancellationToken cancel = default)
    {
        if (step <= 0) throw new InputException("step", $"Choose a checkpoint after the start (step 0 is what it is compared with); found step {step}.");
        var access = await projects.AccessAsync(projectId, user, cancel);
        if (!access.Exists) throw new InputException("project", $"No project with id {projectId}.");
        if (!access.CanManage) throw new InputException("project", $"Only leads and admins add items to a project; you cannot add to project {projectId}.");
        var samples = await runs.SamplesAsync(runId, cancel);
        var start = samples.Where(s => s.Step == 0).GroupBy(s => s.Prompt, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Completion, StringComparer.Ordinal);
        if (start.Count == 0)
            throw new InputException("run", $"Run {runId} has no samples of its starting model (step 0) to compare with: runs launched before this version, and SFT and reward runs, have none.");
        var atStep = samples.Where(s => s.Step == step && start.ContainsKey(s.Prompt)).GroupBy(s => s.Prompt, StringComparer.Ordinal).Select(g => g.First()).ToList();
        if (atStep.Count == 0)
            throw new InputException("step", $"Run {runId} has no evaluation samples at step {step} on its evaluation prompts; choose a step the Samples page lists.");
        var result = await imports.ImportAsync(projectId, atStep.Select(s => new JsonObject
        {
            ["prompt"] = s.Prompt, ["response_a"] = s.Completion, ["response_b"] = start[s.Prompt],
            ["model_a"] = ModelName(runId, step), ["model_b"] = ModelName(runId, 0),
        }), cancel);
        if (!result.Ok)
            throw new InputException("run", "The samples were not added: " + string.Join("; ", result.Errors.Take(5).Select(e => e.Message)));
        return result.Imported;
    }

    /// <summary>
    /// A project's matchups between one of the run's checkpoints and its start, from the checkpoint's side
    /// (<see cref="ModelMatchups"/> orders each pair by name, so the start may be either); other pairs and pairs without
    /// a decided vote are left out.
    /// </summary>
    public static IEnumerable<HumanWinRate> Of(int runId, int projectId, string projectName, IEnumerable<ModelMatchup> matchups)
    {
        string prefix = Prefix(runId), start = ModelName(runId, 0);
        foreach (var m in matchups)
        {
            bool startSecond = m.Second == start && m.First.StartsWith(prefix, StringComparison.Ordinal);
            bool startFirst = m.First == start && m.Second.StartsWith(prefix, StringComparison.Ordinal);
            if (!startFirst && !startSecond || m.WinRate is null) continue;
            string other = startSecond ? m.First : m.Second;
            if (!int.TryParse(other.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int step)) continue;
            var win = startSecond ? new WinRate(m.FirstWins, m.SecondWins, m.Ties) : new WinRate(m.SecondWins, m.FirstWins, m.Ties);
            yield return new HumanWinRate(projectId, projectName, step, m.Votes, win);
        }
    }

    /// <summary>Every checkpoint of the run sent to blind review, per project, with what its labelers decided so far (projects with votes only).</summary>
    public async Task<IReadOnlyList<HumanWinRate>> ResultsAsync(int runId, CancellationToken cancel = default)
    {
        string prefix = Prefix(runId);
        List<int> projectIds;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            projectIds = await db.Items.AsNoTracking().Where(i => i.ModelA != null && i.ModelA.StartsWith(prefix)).Select(i => i.ProjectId).Distinct().ToListAsync(cancel);
        var results = new List<HumanWinRate>();
        foreach (int projectId in projectIds)
        {
            var project = await projects.FindAsync(projectId, cancel);
            if (project is null) continue;
            results.AddRange(Of(runId, projectId, project.Name, await reviews.MatchupsAsync(projectId, cancel)));
        }
        return results.OrderBy(r => r.ProjectId).ThenBy(r => r.Step).ToList();
    }
}

using System.Security.Claims;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// What of a run's origin a reader may see. Everyone who reads runs sees them, their metrics and
/// samples; but a run trained on a labeling project's snapshot names that project (in its
/// dataset's name too) and the labelers' emails only to people who may see the project: leads,
/// admins and the project's own members. Any other Viewer reads how many labels and labelers
/// stand behind it, not who or which project, as the labeling side hides a project from
/// non-members.
/// </summary>
public sealed class RunLineageFilter(IDbContextFactory<AppDbContext> dbs)
{
    /// <summary>What a reader who may not see the project reads in place of the snapshot's name.</summary>
    public const string HiddenSnapshot = "a labeling project's snapshot (the project is not shared with you)";

    public async Task<RunSummary?> ForAsync(RunSummary? run, ClaimsPrincipal reader, CancellationToken cancel = default) =>
        run is null ? null : (await ForAsync([run], reader, cancel))[0];

    public async Task<IReadOnlyList<RunSummary>> ForAsync(IReadOnlyList<RunSummary> runs, ClaimsPrincipal reader, CancellationToken cancel = default)
    {
        if (AppPolicies.Roles[AppPolicies.Manage].Any(r => reader.IsInRole(r.ToString()))) return runs;
        var datasetIds = runs.Where(r => r.DatasetId is not null).Select(r => r.DatasetId!.Value).Distinct().ToList();
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var sources = await db.Datasets.AsNoTracking().Where(d => datasetIds.Contains(d.Id) && d.SourceProjectId != null)
            .ToDictionaryAsync(d => d.Id, d => d.SourceProjectId!.Value, cancel);
        if (sources.Count == 0) return runs;
        int userId = reader.UserId() ?? 0;
        var projects = sources.Values.Distinct().ToList();
        var member = (await db.ProjectMembers.AsNoTracking().Where(m => m.UserId == userId && projects.Contains(m.ProjectId))
            .Select(m => m.ProjectId).ToListAsync(cancel)).ToHashSet();
        return runs.Select(r => r.DatasetId is int d && sources.TryGetValue(d, out int project) && !member.Contains(project) ? Hide(r) : r).ToList();
    }

    private static RunSummary Hide(RunSummary run) => run with
    {
        DatasetName = HiddenSnapshot,
        Lineage = run.Lineage is { } l ? l with { DatasetName = HiddenSnapshot, ProjectId = null, ProjectName = null, Labelers = [] } : null,
    };
}

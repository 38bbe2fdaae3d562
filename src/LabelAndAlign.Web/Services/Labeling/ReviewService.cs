using Microsoft.EntityFrameworkCore;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Agreement figures, the review queue of disagreed items, and lead verdicts. Archived items are left out of the figures,
/// the matchups and the queue (a lead archives an item that should not count); their labels stay, and count again on restore.
/// </summary>
public sealed class ReviewService(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, LabelingPresence? presence = null, LabelingEvents? events = null)
{
    public async Task<AgreementReport> AgreementAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var votes = await (
            from l in db.Labels
            join i in db.Items on l.ItemId equals i.Id
            join u in db.Users on l.LabelerId equals u.Id
            where l.ProjectId == projectId && i.ArchivedAt == null
            select new Vote(l.ItemId, u.Email, l.Choice, l.ShownLeft, l.Seconds, i.ResponseA.Length, i.ResponseB.Length, i.Gold)).ToListAsync(cancel);
        var report = Agreement.Compute(votes);
        string rubricJson = await db.Projects.Where(p => p.Id == projectId).Select(p => p.RubricJson).SingleOrDefaultAsync(cancel) ?? "[]";
        var rubric = ProjectService.ParseRubric(rubricJson);
        if (rubric.Count == 0) return report;
        var ratings = await (
            from l in db.Labels
            join i in db.Items on l.ItemId equals i.Id
            join u in db.Users on l.LabelerId equals u.Id
            where l.ProjectId == projectId && l.RatingsJson != null && i.ArchivedAt == null
            select new { l.ItemId, u.Email, l.RatingsJson }).ToListAsync(cancel);
        return report with { Rubric = RubricAgreement.Compute(ratings.SelectMany(r => RubricAgreement.Parse(r.ItemId, r.Email, r.RatingsJson!)), rubric) };
    }

    /// <summary>Head-to-head results of the models behind the project's items (from their hidden names).</summary>
    public async Task<IReadOnlyList<ModelMatchup>> MatchupsAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var votes = await (
            from l in db.Labels
            join i in db.Items on l.ItemId equals i.Id
            where l.ProjectId == projectId && i.ModelA != null && i.ModelB != null && i.ArchivedAt == null
            select new ModelVote(i.ModelA!, i.ModelB!, l.Choice)).ToListAsync(cancel);
        return ModelMatchups.Compute(votes);
    }

    /// <summary>A disagreed item: the votes per choice, and the lead's verdict with who gave it and when, if any.</summary>
    public sealed record ReviewItem(long ItemId, string? ExternalId, string Prompt, string ResponseA, string ResponseB,
        IReadOnlyDictionary<string, int> Votes, string? Verdict, string? VerdictBy, DateTime? VerdictAt);

    /// <summary>
    /// The items whose labels disagree: how many still await a lead's verdict and how many a verdict
    /// resolved (exports use the verdict), and up to <c>limit</c> of them, awaiting ones first.
    /// </summary>
    public sealed record ReviewQueue(int AwaitingVerdict, int Resolved, IReadOnlyList<ReviewItem> Items);

    /// <summary>Items with at least two labels that do not all agree, oldest first: those awaiting a verdict, then those resolved (so a verdict can be changed).</summary>
    public async Task<ReviewQueue> ReviewQueueAsync(int projectId, int limit = 50, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var disagreedIds = db.Labels.Where(l => l.ProjectId == projectId).GroupBy(l => l.ItemId)
            .Where(g => g.Count() >= 2 && g.Select(l => l.Choice).Distinct().Count() > 1).Select(g => g.Key);
        var disagreed = await db.Items.Where(i => disagreedIds.Contains(i.Id) && i.ArchivedAt == null).OrderBy(i => i.Id)
            .Select(i => new { i.Id, Resolved = i.Verdict != null }).ToListAsync(cancel);
        int resolved = disagreed.Count(d => d.Resolved);
        var ids = disagreed.OrderBy(d => d.Resolved).Take(limit).Select(d => d.Id).ToList();
        var votes = (await db.Labels.Where(l => ids.Contains(l.ItemId)).GroupBy(l => new { l.ItemId, l.Choice })
                .Select(g => new { g.Key.ItemId, g.Key.Choice, Count = g.Count() }).ToListAsync(cancel))
            .ToLookup(v => v.ItemId);
        var items = (await (
                from i in db.Items
                where ids.Contains(i.Id)
                join u in db.Users on i.VerdictById equals (int?)u.Id into verdictBy
                from u in verdictBy.DefaultIfEmpty()
                select new { i.Id, i.ExternalId, i.PromptText, i.ResponseA, i.ResponseB, i.Verdict, By = u == null ? null : u.Email, i.VerdictAt })
            .ToListAsync(cancel)).ToDictionary(i => i.Id);
        var result = ids.Select(id => items[id]).Select(i => new ReviewItem(i.Id, i.ExternalId, i.PromptText, i.ResponseA, i.ResponseB,
            votes[i.Id].ToDictionary(v => v.Choice, v => v.Count), i.Verdict, i.By, i.VerdictAt)).ToList();
        return new ReviewQueue(disagreed.Count - resolved, resolved, result);
    }

    public async Task SetVerdictAsync(int projectId, long itemId, string? verdict, int leadId, CancellationToken cancel = default)
    {
        if (verdict is not null && !Choices.All.Contains(verdict))
            throw new InputException("verdict", $"Verdict must be one of a, b, tie, both_bad (or null to clear); found '{verdict}'.");
        int? by = verdict is null ? null : leadId;
        DateTime? at = verdict is null ? null : clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int changed = await db.Items.Where(i => i.Id == itemId && i.ProjectId == projectId).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.Verdict, verdict)
            .SetProperty(i => i.VerdictById, by)
            .SetProperty(i => i.VerdictAt, at), cancel);
        if (changed == 0) throw new NotFoundException($"No item {itemId} in project {projectId}.");
        // A verdict settles an item as its labels do: the project's page and a run waiting on the item hear of it.
        events?.Publish(projectId);
    }

    public sealed record TeamRow(string Labeler, long Labels, long LastHour, DateTime? LastLabelAt, bool Active);

    /// <summary>Per labeler: labels, labels in the last hour, and whether they have the project's labeling page open now.</summary>
    public async Task<List<TeamRow>> TeamAsync(int projectId, CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hour = now.AddHours(-1);
        var present = presence?.In(projectId) ?? new HashSet<int>();
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var rows = await (
            from m in db.ProjectMembers
            join u in db.Users on m.UserId equals u.Id
            where m.ProjectId == projectId && (m.Role == ProjectRoles.Labeler || m.Role == ProjectRoles.Lead)
            orderby u.Email
            select new
            {
                u.Email, m.UserId,
                Labels = db.Labels.LongCount(l => l.LabelerId == m.UserId && l.ProjectId == m.ProjectId),
                LastHour = db.Labels.LongCount(l => l.LabelerId == m.UserId && l.ProjectId == m.ProjectId && l.CreatedAt >= hour),
                Last = db.Labels.Where(l => l.LabelerId == m.UserId && l.ProjectId == m.ProjectId).Max(l => (DateTime?)l.CreatedAt),
            }).ToListAsync(cancel);
        return rows.Select(r => new TeamRow(r.Email, r.Labels, r.LastHour, r.Last, present.Contains(r.UserId))).ToList();
    }
}

using Microsoft.EntityFrameworkCore;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>Agreement figures, the review queue of disagreed items, and lead verdicts.</summary>
public sealed class ReviewService(AppDbContext db, TimeProvider clock, LabelingPresence? presence = null)
{
    public async Task<AgreementReport> AgreementAsync(int projectId, CancellationToken cancel = default)
    {
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        var votes = await sql.QueryAsync("""
            SELECT l.ItemId, u.Email, l.Choice, l.ShownLeft, l.Seconds, length(i.ResponseA), length(i.ResponseB), i.Gold
            FROM labels l JOIN items i ON i.Id = l.ItemId JOIN users u ON u.Id = l.LabelerId WHERE l.ProjectId = $p;
            """, r => new Vote(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetInt32(5), r.GetInt32(6),
                r.IsDBNull(7) ? null : r.GetString(7)), cancel, ("$p", projectId));
        var report = Agreement.Compute(votes);
        string rubricJson = await db.Projects.Where(p => p.Id == projectId).Select(p => p.RubricJson).SingleOrDefaultAsync(cancel) ?? "[]";
        var rubric = ProjectService.ParseRubric(rubricJson);
        if (rubric.Count == 0) return report;
        var ratings = await sql.QueryAsync("""
            SELECT l.ItemId, u.Email, l.RatingsJson FROM labels l JOIN users u ON u.Id = l.LabelerId
            WHERE l.ProjectId = $p AND l.RatingsJson IS NOT NULL;
            """, r => RubricAgreement.Parse(r.GetInt64(0), r.GetString(1), r.GetString(2)).ToList(), cancel, ("$p", projectId));
        return report with { Rubric = RubricAgreement.Compute(ratings.SelectMany(r => r), rubric) };
    }

    /// <summary>Head-to-head results of the models behind the project's items (from their hidden names).</summary>
    public async Task<IReadOnlyList<ModelMatchup>> MatchupsAsync(int projectId, CancellationToken cancel = default)
    {
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        var votes = await sql.QueryAsync("""
            SELECT i.ModelA, i.ModelB, l.Choice FROM labels l JOIN items i ON i.Id = l.ItemId
            WHERE l.ProjectId = $p AND i.ModelA IS NOT NULL AND i.ModelB IS NOT NULL;
            """, r => new ModelVote(r.GetString(0), r.GetString(1), r.GetString(2)), cancel, ("$p", projectId));
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
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        var disagreed = await sql.QueryAsync("""
            SELECT l.ItemId, i.Verdict IS NOT NULL FROM labels l JOIN items i ON i.Id = l.ItemId WHERE l.ProjectId = $p GROUP BY l.ItemId
            HAVING COUNT(*) >= 2 AND COUNT(DISTINCT l.Choice) > 1 ORDER BY l.ItemId;
            """, r => (Id: r.GetInt64(0), Resolved: r.GetInt64(1) == 1), cancel, ("$p", projectId));
        int resolved = disagreed.Count(d => d.Resolved);
        var result = new List<ReviewItem>();
        foreach (var (id, _) in disagreed.OrderBy(d => d.Resolved).Take(limit))
        {
            var votes = (await sql.QueryAsync("SELECT Choice, COUNT(*) FROM labels WHERE ItemId = $i GROUP BY Choice;",
                r => (r.GetString(0), r.GetInt32(1)), cancel, ("$i", id))).ToDictionary(x => x.Item1, x => x.Item2);
            result.Add((await sql.QueryAsync("""
                SELECT i.ExternalId, i.PromptText, i.ResponseA, i.ResponseB, i.Verdict, u.Email, i.VerdictAt
                FROM items i LEFT JOIN users u ON u.Id = i.VerdictById WHERE i.Id = $i;
                """, r => new ReviewItem(id, r.IsDBNull(0) ? null : r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), votes,
                    r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetDateTime(6)),
                cancel, ("$i", id)))[0]);
        }
        return new ReviewQueue(disagreed.Count - resolved, resolved, result);
    }

    public async Task SetVerdictAsync(int projectId, long itemId, string? verdict, int leadId, CancellationToken cancel = default)
    {
        if (verdict is not null && !Choices.All.Contains(verdict))
            throw new InputException("verdict", $"Verdict must be one of a, b, tie, both_bad (or null to clear); found '{verdict}'.");
        await using var sql = await Sql.BeginAsync(db, cancel);
        int changed = await sql.ExecuteAsync("UPDATE items SET Verdict = $v, VerdictById = $u, VerdictAt = $now WHERE Id = $i AND ProjectId = $p;",
            cancel, ("$v", verdict), ("$u", verdict is null ? null : leadId), ("$now", verdict is null ? null : clock.GetUtcNow().UtcDateTime),
            ("$i", itemId), ("$p", projectId));
        if (changed == 0) throw new NotFoundException($"No item {itemId} in project {projectId}.");
        await sql.CommitAsync(cancel);
    }

    public sealed record TeamRow(string Labeler, long Labels, long LastHour, DateTime? LastLabelAt, bool Active);

    /// <summary>Per labeler: labels, labels in the last hour, and whether they have the project's labeling page open now.</summary>
    public async Task<List<TeamRow>> TeamAsync(int projectId, CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var present = presence?.In(projectId) ?? new HashSet<int>();
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        return await sql.QueryAsync("""
            SELECT u.Email,
                   (SELECT COUNT(*) FROM labels l WHERE l.LabelerId = m.UserId AND l.ProjectId = m.ProjectId),
                   (SELECT COUNT(*) FROM labels l WHERE l.LabelerId = m.UserId AND l.ProjectId = m.ProjectId AND l.CreatedAt >= $hour),
                   (SELECT MAX(l.CreatedAt) FROM labels l WHERE l.LabelerId = m.UserId AND l.ProjectId = m.ProjectId),
                   m.UserId
            FROM project_members m JOIN users u ON u.Id = m.UserId
            WHERE m.ProjectId = $p AND m.Role IN ($labeler, $lead) ORDER BY u.Email;
            """, r => new TeamRow(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetDateTime(3), present.Contains(r.GetInt32(4))),
            cancel, ("$p", projectId), ("$hour", now.AddHours(-1)), ("$labeler", ProjectRoles.Labeler), ("$lead", ProjectRoles.Lead));
    }
}

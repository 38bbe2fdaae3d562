using System.Data.Common;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Security;
using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>An item as one labeler sees it: screen sides only, no model names, no one else's votes.</summary>
public sealed record AssignmentView(long AssignmentId, long ItemId, string Prompt, string Left, string Right, DateTime LeasedUntil);

/// <summary>What a labeler sends for one assignment; <see cref="Choice"/> is against screen sides.</summary>
public sealed record LabelInput(string? Choice, int? Strength = null,
    Dictionary<string, Dictionary<string, int>>? Ratings = null, string? Rationale = null);

/// <summary>
/// The queue. Rules: every item is labeled by N different labelers and never twice by one
/// (a partial unique index backs this); a lease that runs out gives the slot back; a skipped item
/// goes to the back of that labeler's queue and is never the very next one; undo deletes the
/// labeler's last label and hands that item straight back. Each operation is one
/// <c>BEGIN IMMEDIATE</c> transaction (see <see cref="Sql"/>), and every lookup is an index seek
/// (items by project/open/gold/id; assignments by item+labeler), so it stays fast on a million items.
/// </summary>
public sealed class LabelingQueue(AppDbContext db, TimeProvider clock, LabelingRandom random, LabelingEvents? events = null)
{
    public const int MaxRationaleLength = 5000;

    private sealed record ProjectRow(int LabelsPerItem, int LeaseMinutes, double GoldRate, List<string> Rubric, bool AskRationale);

    /// <summary>The labeler's current assignment in the project, or a new one; null when nothing is left for them.</summary>
    public async Task<AssignmentView?> NextAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        await using var sql = await Sql.BeginAsync(db, cancel);
        var project = await ProjectAsync(sql, projectId, cancel);
        await RequireLabelerAsync(sql, projectId, userId, cancel);
        var now = Now();
        await ExpireLeasesAsync(sql, projectId, project.LabelsPerItem, now, cancel);

        var current = await sql.ScalarAsync("""
            SELECT Id FROM assignments WHERE LabelerId = $u AND ProjectId = $p AND Status = 'Leased' ORDER BY Id DESC LIMIT 1;
            """, cancel, ("$u", userId), ("$p", projectId));
        if (current is long existing)
        {
            var view = await ViewAsync(sql, existing, cancel);
            await sql.CommitAsync(cancel);
            return view;
        }

        bool goldFirst = project.GoldRate > 0 && random.NextDouble() < project.GoldRate;
        long? itemId = await FreshAsync(sql, projectId, userId, goldFirst, cancel)
            ?? await FreshAsync(sql, projectId, userId, !goldFirst, cancel)
            ?? await SkippedAsync(sql, projectId, userId, cancel);
        if (itemId is null)
        {
            await sql.CommitAsync(cancel);
            return null;
        }

        string shownLeft = random.NextBool() ? Choices.A : Choices.B;
        long assignmentId = (long)(await sql.ScalarAsync("""
            INSERT INTO assignments (ProjectId, ItemId, LabelerId, ShownLeft, Status, LeasedAt, LeasedUntil)
            VALUES ($p, $i, $u, $left, 'Leased', $now, $until) RETURNING Id;
            """, cancel, ("$p", projectId), ("$i", itemId), ("$u", userId), ("$left", shownLeft), ("$now", now),
            ("$until", now.AddMinutes(project.LeaseMinutes))))!;
        await sql.ExecuteAsync("UPDATE items SET SlotsTaken = SlotsTaken + 1, IsOpen = (SlotsTaken + 1 < $n) WHERE Id = $i;",
            cancel, ("$n", project.LabelsPerItem), ("$i", itemId));
        var result = await ViewAsync(sql, assignmentId, cancel);
        await sql.CommitAsync(cancel);
        events?.Publish(projectId);
        return result;
    }

    /// <summary>
    /// Stores the label. The same judgement sent again for the assignment (a retry) returns the
    /// first label's id; a different one (the item judged in another tab) is refused with 409,
    /// naming what is stored, never silently dropped.
    /// </summary>
    public async Task<long> SubmitAsync(long assignmentId, int userId, LabelInput input, CancellationToken cancel = default)
    {
        string screen = input.Choice?.Trim().ToLowerInvariant() ?? "";
        if (screen is not ("left" or "right" or "tie" or "both_bad"))
            throw new InputException("choice", $"Choice must be one of left, right, tie, both_bad; found '{input.Choice}'.");
        if (input.Strength is not null and not (1 or 2))
            throw new InputException("strength", $"Strength must be 1 (slightly better) or 2 (much better); found {input.Strength}.");
        if (input.Rationale is { Length: > MaxRationaleLength })
            throw new InputException("rationale", $"Rationale must have at most {MaxRationaleLength} characters; it has {input.Rationale.Length}.");

        await using var sql = await Sql.BeginAsync(db, cancel);
        var a = await AssignmentAsync(sql, assignmentId, userId, cancel);
        await RequireLabelerAsync(sql, a.ProjectId, userId, cancel);
        var project = await ProjectAsync(sql, a.ProjectId, cancel);
        string choice = screen switch
        {
            "left" => a.ShownLeft,
            "right" => Other(a.ShownLeft),
            _ => screen,
        };
        int? strength = choice is Choices.A or Choices.B ? input.Strength : null;
        string? ratings = RatingsJson(input.Ratings, project.Rubric, a.ShownLeft);
        string? rationale = string.IsNullOrWhiteSpace(input.Rationale) ? null : input.Rationale.Trim();

        var stored = await sql.QueryAsync("SELECT Id, Choice, Strength, RatingsJson, Rationale FROM labels WHERE AssignmentId = $a;",
            r => new StoredLabel(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)),
            cancel, ("$a", assignmentId));
        if (stored.Count == 1)
        {
            var first = stored[0];
            if (first.Choice != choice || first.Strength != strength || first.RatingsJson != ratings || first.Rationale != rationale)
                throw new InputException("assignmentId",
                    $"This item was already judged, in another tab or window: \"{Describe(first.Choice, first.Strength, a.ShownLeft)}\" is stored. " +
                    $"This judgement (\"{Describe(choice, strength, a.ShownLeft)}\") was not saved; press U to undo the stored one and judge the item again.",
                    isConflict: true);
            await sql.CommitAsync(cancel);
            return first.Id;
        }
        var now = Now();
        if (a.Status == AssignmentStatus.Skipped)
            throw new InputException("assignmentId", $"Assignment {assignmentId} was skipped; ask for the next item.", isConflict: true);
        if (a.Status is AssignmentStatus.Expired or AssignmentStatus.Released)
        {
            // A late answer is still welcome while the item has a free slot and the labeler holds no other copy.
            bool open = (long)(await sql.ScalarAsync("SELECT IsOpen FROM items WHERE Id = $i;", cancel, ("$i", a.ItemId)))! == 1;
            bool holds = await sql.ScalarAsync("SELECT 1 FROM assignments WHERE ItemId = $i AND LabelerId = $u AND Status IN ('Leased','Done');",
                cancel, ("$i", a.ItemId), ("$u", userId)) is not null;
            if (!open || holds)
                throw new InputException("assignmentId", $"The lease on assignment {assignmentId} ran out and the item went to someone else; ask for the next item.", isConflict: true);
            await sql.ExecuteAsync("UPDATE items SET SlotsTaken = SlotsTaken + 1, IsOpen = (SlotsTaken + 1 < $n) WHERE Id = $i;",
                cancel, ("$n", project.LabelsPerItem), ("$i", a.ItemId));
        }
        double seconds = Math.Max(0, Math.Round((now - a.LeasedAt).TotalSeconds, 1));

        long id = (long)(await sql.ScalarAsync("""
            INSERT INTO labels (AssignmentId, ProjectId, ItemId, LabelerId, Choice, ShownLeft, Strength, RatingsJson, Rationale, Seconds, CreatedAt)
            VALUES ($a, $p, $i, $u, $c, $left, $s, $r, $why, $sec, $now) RETURNING Id;
            """, cancel, ("$a", assignmentId), ("$p", a.ProjectId), ("$i", a.ItemId), ("$u", userId), ("$c", choice), ("$left", a.ShownLeft),
            ("$s", strength), ("$r", ratings), ("$why", rationale), ("$sec", seconds), ("$now", now)))!;
        await sql.ExecuteAsync("UPDATE assignments SET Status = 'Done', FinishedAt = $now WHERE Id = $a;", cancel, ("$now", now), ("$a", assignmentId));
        await sql.ExecuteAsync("UPDATE items SET LabelCount = LabelCount + 1 WHERE Id = $i;", cancel, ("$i", a.ItemId));
        await sql.CommitAsync(cancel);
        events?.Publish(a.ProjectId);
        return id;
    }

    private sealed record StoredLabel(long Id, string Choice, int? Strength, string? RatingsJson, string? Rationale);

    private static string Other(string side) => side == Choices.A ? Choices.B : Choices.A;

    /// <summary>A stored choice (a, b, tie, both_bad) in the words of the labeler's screen, where the left response is "A".</summary>
    private static string Describe(string choice, int? strength, string shownLeft)
    {
        string words = choice switch
        {
            Choices.Tie => "Tie",
            Choices.BothBad => "Both bad",
            _ => choice == shownLeft ? "A is better" : "B is better",
        };
        return strength switch { 1 => words + ", slightly", 2 => words + ", much", _ => words };
    }

    /// <summary>Gives the item back to the queue; the labeler sees it again only after something else.</summary>
    public async Task SkipAsync(long assignmentId, int userId, CancellationToken cancel = default)
    {
        await using var sql = await Sql.BeginAsync(db, cancel);
        var a = await AssignmentAsync(sql, assignmentId, userId, cancel);
        if (a.Status != AssignmentStatus.Leased)
            throw new InputException("assignmentId", $"Assignment {assignmentId} is {a.Status.ToLowerInvariant()}, not open; only an open assignment can be skipped.", isConflict: true);
        var project = await ProjectAsync(sql, a.ProjectId, cancel);
        await ReleaseAsync(sql, assignmentId, a.ItemId, AssignmentStatus.Skipped, project.LabelsPerItem, cancel);
        await sql.CommitAsync(cancel);
        events?.Publish(a.ProjectId);
    }

    /// <summary>
    /// Deletes the labeler's most recent label in the project and leases that item to them again
    /// (their current open item, if any, goes back to the queue). Null when there is nothing to undo.
    /// </summary>
    public async Task<AssignmentView?> UndoAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        await using var sql = await Sql.BeginAsync(db, cancel);
        var project = await ProjectAsync(sql, projectId, cancel);
        await RequireLabelerAsync(sql, projectId, userId, cancel);
        var last = await sql.QueryAsync("SELECT Id, AssignmentId, ItemId FROM labels WHERE LabelerId = $u AND ProjectId = $p ORDER BY Id DESC LIMIT 1;",
            r => (LabelId: r.GetInt64(0), AssignmentId: r.GetInt64(1), ItemId: r.GetInt64(2)), cancel, ("$u", userId), ("$p", projectId));
        if (last.Count == 0)
        {
            await sql.CommitAsync(cancel);
            return null;
        }
        var (labelId, assignmentId, itemId) = last[0];
        var open = await sql.QueryAsync("SELECT Id, ItemId FROM assignments WHERE LabelerId = $u AND ProjectId = $p AND Status = 'Leased';",
            r => (Id: r.GetInt64(0), ItemId: r.GetInt64(1)), cancel, ("$u", userId), ("$p", projectId));
        foreach (var (id, item) in open) await ReleaseAsync(sql, id, item, AssignmentStatus.Released, project.LabelsPerItem, cancel);

        var now = Now();
        await sql.ExecuteAsync("DELETE FROM labels WHERE Id = $l;", cancel, ("$l", labelId));
        // The slot stays taken (Done → Leased), only the label count drops.
        await sql.ExecuteAsync("UPDATE assignments SET Status = 'Leased', FinishedAt = NULL, LeasedAt = $now, LeasedUntil = $until WHERE Id = $a;",
            cancel, ("$now", now), ("$until", now.AddMinutes(project.LeaseMinutes)), ("$a", assignmentId));
        await sql.ExecuteAsync("UPDATE items SET LabelCount = LabelCount - 1 WHERE Id = $i;", cancel, ("$i", itemId));
        var view = await ViewAsync(sql, assignmentId, cancel);
        await sql.CommitAsync(cancel);
        events?.Publish(projectId);
        return view;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static readonly string LabelingRoles = JsonSerializer.Serialize(AppPolicies.Roles[AppPolicies.Label].Select(r => r.ToString()));

    /// <summary>
    /// Labels come only from an enabled person whose role may label and who is a Labeler or Lead
    /// member of the project, checked inside the transaction that acts: whatever a page or a
    /// script still holds (an open tab, a leased assignment), a demotion (global role, or project
    /// role to Viewer), a removal or a disabled account stops the very next label.
    /// </summary>
    private static async Task RequireLabelerAsync(Sql sql, int projectId, int userId, CancellationToken cancel)
    {
        bool allowed = await sql.ScalarAsync("""
            SELECT 1 FROM users u JOIN project_members m ON m.UserId = u.Id AND m.ProjectId = $p
            WHERE u.Id = $u AND u.IsDisabled = 0 AND u.Role IN (SELECT value FROM json_each($roles)) AND m.Role IN ($labeler, $lead);
            """, cancel, ("$p", projectId), ("$u", userId), ("$roles", LabelingRoles), ("$labeler", ProjectRoles.Labeler), ("$lead", ProjectRoles.Lead)) is not null;
        if (!allowed)
            throw new NotAllowedException("You can no longer label in this project: your role or membership changed, or your account was disabled. Ask a lead if this is a mistake.");
    }

    private static async Task<ProjectRow> ProjectAsync(Sql sql, int projectId, CancellationToken cancel)
    {
        var rows = await sql.QueryAsync("SELECT LabelsPerItem, LeaseMinutes, GoldRate, RubricJson, AskRationale FROM projects WHERE Id = $p;",
            r => new ProjectRow(r.GetInt32(0), r.GetInt32(1), r.GetDouble(2), ProjectService.ParseRubric(r.GetString(3)), r.GetInt64(4) == 1),
            cancel, ("$p", projectId));
        return rows.Count == 1 ? rows[0] : throw new InputException("projectId", $"No project with id {projectId}.");
    }

    private sealed record AssignmentRow(int ProjectId, long ItemId, string ShownLeft, string Status, DateTime LeasedAt);

    private static async Task<AssignmentRow> AssignmentAsync(Sql sql, long assignmentId, int userId, CancellationToken cancel)
    {
        var rows = await sql.QueryAsync("SELECT ProjectId, ItemId, ShownLeft, Status, LeasedAt FROM assignments WHERE Id = $a AND LabelerId = $u;",
            r => new AssignmentRow(r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetDateTime(4)),
            cancel, ("$a", assignmentId), ("$u", userId));
        // Someone else's assignment is reported as missing, not as forbidden: ids reveal nothing.
        return rows.Count == 1 ? rows[0] : throw new NotFoundException($"No assignment {assignmentId} of yours.");
    }

    private static async Task ExpireLeasesAsync(Sql sql, int projectId, int n, DateTime now, CancellationToken cancel)
    {
        var expired = await sql.QueryAsync("""
            UPDATE assignments SET Status = 'Expired', FinishedAt = $now
            WHERE ProjectId = $p AND Status = 'Leased' AND LeasedUntil < $now RETURNING ItemId;
            """, r => r.GetInt64(0), cancel, ("$p", projectId), ("$now", now));
        foreach (var itemId in expired)
            await sql.ExecuteAsync("UPDATE items SET SlotsTaken = SlotsTaken - 1, IsOpen = (SlotsTaken - 1 < $n) WHERE Id = $i;",
                cancel, ("$n", n), ("$i", itemId));
    }

    private async Task ReleaseAsync(Sql sql, long assignmentId, long itemId, string status, int n, CancellationToken cancel)
    {
        await sql.ExecuteAsync("UPDATE assignments SET Status = $s, FinishedAt = $now WHERE Id = $a;",
            cancel, ("$s", status), ("$now", Now()), ("$a", assignmentId));
        await sql.ExecuteAsync("UPDATE items SET SlotsTaken = SlotsTaken - 1, IsOpen = (SlotsTaken - 1 < $n) WHERE Id = $i;",
            cancel, ("$n", n), ("$i", itemId));
    }

    /// <summary>The first open item (gold or not) the labeler has not held, finished or skipped.</summary>
    private static async Task<long?> FreshAsync(Sql sql, int projectId, int userId, bool gold, CancellationToken cancel) =>
        await sql.ScalarAsync("""
            SELECT i.Id FROM items i
            WHERE i.ProjectId = $p AND i.IsOpen = 1 AND i.IsGold = $g
              AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.ItemId = i.Id AND a.LabelerId = $u AND a.Status IN ('Leased', 'Done', 'Skipped'))
            ORDER BY i.Id LIMIT 1;
            """, cancel, ("$p", projectId), ("$g", gold ? 1 : 0), ("$u", userId)) as long?;

    /// <summary>The labeler's longest-ago skipped item that is still open, but never the item they skipped last.</summary>
    private static async Task<long?> SkippedAsync(Sql sql, int projectId, int userId, CancellationToken cancel)
    {
        var last = await sql.QueryAsync("SELECT ItemId, Status FROM assignments WHERE LabelerId = $u AND ProjectId = $p ORDER BY Id DESC LIMIT 1;",
            r => (ItemId: r.GetInt64(0), Status: r.GetString(1)), cancel, ("$u", userId), ("$p", projectId));
        long justSkipped = last.Count == 1 && last[0].Status == AssignmentStatus.Skipped ? last[0].ItemId : -1;
        return await sql.ScalarAsync("""
            SELECT s.ItemId FROM assignments s JOIN items i ON i.Id = s.ItemId
            WHERE s.LabelerId = $u AND s.ProjectId = $p AND s.Status = 'Skipped' AND i.IsOpen = 1 AND s.ItemId <> $last
              AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.ItemId = s.ItemId AND a.LabelerId = $u AND a.Status IN ('Leased', 'Done'))
            ORDER BY s.Id LIMIT 1;
            """, cancel, ("$p", projectId), ("$u", userId), ("$last", justSkipped)) as long?;
    }

    private static async Task<AssignmentView> ViewAsync(Sql sql, long assignmentId, CancellationToken cancel)
    {
        var rows = await sql.QueryAsync("""
            SELECT a.Id, a.ItemId, i.PromptText, a.ShownLeft, i.ResponseA, i.ResponseB, a.LeasedUntil
            FROM assignments a JOIN items i ON i.Id = a.ItemId WHERE a.Id = $a;
            """, r =>
            {
                bool aLeft = r.GetString(3) == Choices.A;
                return new AssignmentView(r.GetInt64(0), r.GetInt64(1), r.GetString(2),
                    aLeft ? r.GetString(4) : r.GetString(5), aLeft ? r.GetString(5) : r.GetString(4), r.GetDateTime(6));
            }, cancel, ("$a", assignmentId));
        return rows[0];
    }

    /// <summary>Screen-side ratings (<c>left</c>/<c>right</c> → dimension → 1..5) stored against a/b.</summary>
    private static string? RatingsJson(Dictionary<string, Dictionary<string, int>>? ratings, List<string> rubric, string shownLeft)
    {
        if (ratings is null || ratings.Count == 0) return null;
        // Sorted, so the same ratings always serialize alike (a retry compares equal).
        var stored = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (side, dims) in ratings)
        {
            string key = side.ToLowerInvariant() switch
            {
                "left" => shownLeft,
                "right" => Other(shownLeft),
                _ => throw new InputException("ratings", $"Ratings are keyed by 'left' and 'right'; found '{side}'."),
            };
            foreach (var (dim, value) in dims)
            {
                if (!rubric.Contains(dim, StringComparer.Ordinal))
                    throw new InputException("ratings", $"'{dim}' is not a rubric dimension of this project; use one of: {string.Join(", ", rubric)}.");
                if (value is < 1 or > 5) throw new InputException("ratings", $"Rating for '{dim}' must be 1–5; found {value}.");
            }
            stored[key] = new SortedDictionary<string, int>(dims, StringComparer.Ordinal);
        }
        return JsonSerializer.Serialize(stored);
    }
}

/// <summary>The thing asked for does not exist for this user (API answers 404).</summary>
public sealed class NotFoundException(string message) : Exception(message);

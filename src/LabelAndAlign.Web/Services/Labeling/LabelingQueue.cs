using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

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
/// labeler's last label and hands that item straight back. Each operation is one write
/// transaction holding the labeler's lock (<see cref="WriteScopes.Labeler"/>). Between labelers:
/// SQLite runs write transactions one at a time; on PostgreSQL the item a labeler is about to
/// take is claimed <c>FOR UPDATE SKIP LOCKED</c> (others pass over it rather than wait), and a
/// lease changes state only from Leased (compare-and-set), so a slot is never taken or given back
/// twice. Every lookup is an index seek (items by project/open/gold/id; assignments by
/// item+labeler), so it stays fast on a million items.
/// </summary>
public sealed class LabelingQueue(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, LabelingRandom random, LabelingEvents? events = null)
{
    public const int MaxRationaleLength = 5000;

    private sealed record ProjectRow(int LabelsPerItem, int LeaseMinutes, double GoldRate, List<string> Rubric, bool AskRationale, bool Archived, string? ArchivedBy)
    {
        /// <summary>An archived project hands out nothing more; a label for an item already held is still taken (nothing acknowledged or in flight is lost).</summary>
        public void RequireOpen()
        {
            if (Archived) throw ProjectArchivedException.By(ArchivedBy);
        }
    }

    private static WriteLock Labeler(int userId) => new(WriteScopes.Labeler, userId);

    /// <summary>The labeler's current assignment in the project, or a new one; null when nothing is left for them.</summary>
    public async Task<AssignmentView?> NextAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var (view, leased) = await db.InTransactionAsync(Labeler(userId), async c =>
        {
            var project = await ProjectAsync(db, projectId, c);
            await RequireLabelerAsync(db, projectId, userId, c);
            project.RequireOpen();
            var now = Now();
            await ExpireLeasesAsync(db, projectId, project.LabelsPerItem, now, c);

            // The item held is shown again, unless a lead archived it meanwhile: then it goes (its slot stays closed).
            var held = await db.Assignments
                .Where(a => a.LabelerId == userId && a.ProjectId == projectId && a.Status == AssignmentStatus.Leased)
                .OrderByDescending(a => a.Id).Select(a => new { a.Id, a.ItemId, Archived = db.Items.Any(i => i.Id == a.ItemId && i.ArchivedAt != null) })
                .ToListAsync(c);
            foreach (var gone in held.Where(h => h.Archived))
                await ChangeLeaseAsync(db, gone.Id, gone.ItemId, AssignmentStatus.Released, now, project.LabelsPerItem, c);
            if (held.FirstOrDefault(h => !h.Archived) is { } existing) return ((AssignmentView?)await ViewAsync(db, existing.Id, c), false);

            bool goldFirst = project.GoldRate > 0 && random.NextDouble() < project.GoldRate;
            long? itemId = await PickAsync(db, projectId, userId, goldFirst, skipLocked: true, c);
            // Items other labelers are taking this moment were passed over; when that leaves nothing, wait for them:
            // their last slots may still be free once those labelers commit.
            if (itemId is null && db.Dialect.LocksRows) itemId = await PickAsync(db, projectId, userId, goldFirst, skipLocked: false, c);
            if (itemId is not long item) return (null, false);

            var assignment = new Assignment
            {
                ProjectId = projectId, ItemId = item, LabelerId = userId, ShownLeft = random.NextBool() ? Choices.A : Choices.B,
                Status = AssignmentStatus.Leased, LeasedAt = now, LeasedUntil = now.AddMinutes(project.LeaseMinutes),
            };
            db.Assignments.Add(assignment);
            await db.SaveChangesAsync(c);
            await TakeSlotAsync(db, item, project.LabelsPerItem, c);
            return (await ViewAsync(db, assignment.Id, c), true);
        }, cancel);
        if (leased) events?.Publish(projectId);
        return view;
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

        await using var db = await dbs.CreateDbContextAsync(cancel);
        var (labelId, projectId, stored) = await db.InTransactionAsync(Labeler(userId), async c =>
        {
            var a = await AssignmentAsync(db, assignmentId, userId, c);
            await RequireLabelerAsync(db, a.ProjectId, userId, c);
            var project = await ProjectAsync(db, a.ProjectId, c);
            string choice = screen switch
            {
                "left" => a.ShownLeft,
                "right" => Other(a.ShownLeft),
                _ => screen,
            };
            int? strength = choice is Choices.A or Choices.B ? input.Strength : null;
            string? ratings = RatingsJson(input.Ratings, project.Rubric, a.ShownLeft);
            string? rationale = string.IsNullOrWhiteSpace(input.Rationale) ? null : input.Rationale.Trim();

            var first = await db.Labels.Where(l => l.AssignmentId == assignmentId)
                .Select(l => new { l.Id, l.Choice, l.Strength, l.RatingsJson, l.Rationale }).FirstOrDefaultAsync(c);
            if (first is not null)
            {
                if (first.Choice != choice || first.Strength != strength || first.RatingsJson != ratings || first.Rationale != rationale)
                    throw new InputException("assignmentId",
                        $"This item was already judged, in another tab or window: \"{Describe(first.Choice, first.Strength, a.ShownLeft)}\" is stored. " +
                        $"This judgement (\"{Describe(choice, strength, a.ShownLeft)}\") was not saved; press U to undo the stored one and judge the item again.",
                        isConflict: true);
                return (first.Id, a.ProjectId, false);
            }
            var now = Now();
            if (a.Status == AssignmentStatus.Skipped)
                throw new InputException("assignmentId", $"Assignment {assignmentId} was skipped; ask for the next item.", isConflict: true);
            if (a.Status is AssignmentStatus.Expired or AssignmentStatus.Released)
            {
                // A late answer is still welcome while the item has a free slot and the labeler holds no other copy.
                var item = await db.Items.Where(i => i.Id == a.ItemId).Select(i => new { i.IsOpen, Archived = i.ArchivedAt != null }).ForUpdate().SingleAsync(c);
                if (item.Archived)
                    throw new InputException("assignmentId", $"A lead archived this item after your lease on assignment {assignmentId} ran out, so this label was not stored; ask for the next item.", isConflict: true);
                bool holds = await db.Assignments.AnyAsync(x => x.ItemId == a.ItemId && x.LabelerId == userId &&
                    (x.Status == AssignmentStatus.Leased || x.Status == AssignmentStatus.Done), c);
                if (!item.IsOpen || holds)
                    throw new InputException("assignmentId", $"The lease on assignment {assignmentId} ran out and the item went to someone else; ask for the next item.", isConflict: true);
                await TakeSlotAsync(db, a.ItemId, project.LabelsPerItem, c);
            }

            var label = new Label
            {
                AssignmentId = assignmentId, ProjectId = a.ProjectId, ItemId = a.ItemId, LabelerId = userId, Choice = choice, ShownLeft = a.ShownLeft,
                Strength = strength, RatingsJson = ratings, Rationale = rationale,
                Seconds = Math.Max(0, Math.Round((now - a.LeasedAt).TotalSeconds, 1)),
                CreatedAt = now,
            };
            db.Labels.Add(label);
            await db.SaveChangesAsync(c);
            await db.Assignments.Where(x => x.Id == assignmentId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, AssignmentStatus.Done)
                .SetProperty(x => x.FinishedAt, (DateTime?)now), c);
            await db.Items.Where(i => i.Id == a.ItemId).ExecuteUpdateAsync(s => s.SetProperty(i => i.LabelCount, i => i.LabelCount + 1), c);
            return (label.Id, a.ProjectId, true);
        }, cancel);
        if (stored) events?.Publish(projectId);
        return labelId;
    }

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
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int projectId = await db.InTransactionAsync(Labeler(userId), async c =>
        {
            var a = await AssignmentAsync(db, assignmentId, userId, c);
            if (a.Status != AssignmentStatus.Leased)
                throw new InputException("assignmentId", $"Assignment {assignmentId} is {a.Status.ToString().ToLowerInvariant()}, not open; only an open assignment can be skipped.", isConflict: true);
            var project = await ProjectAsync(db, a.ProjectId, c);
            await ReleaseAsync(db, assignmentId, a.ItemId, AssignmentStatus.Skipped, project.LabelsPerItem, c);
            return a.ProjectId;
        }, cancel);
        events?.Publish(projectId);
    }

    /// <summary>
    /// Deletes the labeler's most recent label in the project and leases that item to them again
    /// (their current open item, if any, goes back to the queue). Null when there is nothing to undo.
    /// </summary>
    public async Task<AssignmentView?> UndoAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var view = await db.InTransactionAsync(Labeler(userId), async c =>
        {
            var project = await ProjectAsync(db, projectId, c);
            await RequireLabelerAsync(db, projectId, userId, c);
            project.RequireOpen();
            var last = await db.Labels.Where(l => l.LabelerId == userId && l.ProjectId == projectId).OrderByDescending(l => l.Id)
                .Select(l => new { l.Id, l.AssignmentId, l.ItemId, Archived = db.Items.Any(i => i.Id == l.ItemId && i.ArchivedAt != null) }).FirstOrDefaultAsync(c);
            if (last is null) return null;
            // An archived item is never handed out again, not even by undo; its labels are what the lead kept.
            if (last.Archived)
                throw new InputException("undo", "A lead archived the item of your last label, so it cannot be judged again; your label on it is kept.", isConflict: true);
            var open = await db.Assignments.Where(a => a.LabelerId == userId && a.ProjectId == projectId && a.Status == AssignmentStatus.Leased)
                .Select(a => new { a.Id, a.ItemId }).ToListAsync(c);
            foreach (var o in open) await ReleaseAsync(db, o.Id, o.ItemId, AssignmentStatus.Released, project.LabelsPerItem, c);

            var now = Now();
            await db.Labels.Where(l => l.Id == last.Id).ExecuteDeleteAsync(c);
            // The slot stays taken (Done → Leased), only the label count drops.
            await db.Assignments.Where(a => a.Id == last.AssignmentId).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.Status, AssignmentStatus.Leased)
                .SetProperty(a => a.FinishedAt, (DateTime?)null)
                .SetProperty(a => a.LeasedAt, now)
                .SetProperty(a => a.LeasedUntil, now.AddMinutes(project.LeaseMinutes)), c);
            await db.Items.Where(i => i.Id == last.ItemId).ExecuteUpdateAsync(s => s.SetProperty(i => i.LabelCount, i => i.LabelCount - 1), c);
            return await ViewAsync(db, last.AssignmentId, c);
        }, cancel);
        if (view is not null) events?.Publish(projectId);
        return view;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static readonly UserRole[] LabelingRoles = AppPolicies.Roles[AppPolicies.Label];

    /// <summary>
    /// Labels come only from an enabled person whose role may label and who is a Labeler or Lead
    /// member of the project, checked inside the transaction that acts: whatever a page or a
    /// script still holds (an open tab, a leased assignment), a demotion (global role, or project
    /// role to Viewer), a removal or a disabled account stops the very next label.
    /// </summary>
    private static async Task RequireLabelerAsync(AppDbContext db, int projectId, int userId, CancellationToken cancel)
    {
        bool allowed = await (
            from u in db.Users
            join m in db.ProjectMembers on u.Id equals m.UserId
            where u.Id == userId && m.ProjectId == projectId && !u.IsDisabled && LabelingRoles.Contains(u.Role) &&
                (m.Role == ProjectRoles.Labeler || m.Role == ProjectRoles.Lead)
            select u.Id).AnyAsync(cancel);
        if (!allowed)
            throw new NotAllowedException("You can no longer label in this project: your role or membership changed, or your account was disabled. Ask a lead if this is a mistake.");
    }

    private static async Task<ProjectRow> ProjectAsync(AppDbContext db, int projectId, CancellationToken cancel)
    {
        var p = await db.Projects.Where(x => x.Id == projectId)
            .Select(x => new
            {
                x.LabelsPerItem, x.LeaseMinutes, x.GoldRate, x.RubricJson, x.AskRationale, Archived = x.ArchivedAt != null,
                By = db.Users.Where(u => u.Id == x.ArchivedById).Select(u => u.Email).FirstOrDefault(),
            }).SingleOrDefaultAsync(cancel)
            ?? throw new InputException("projectId", $"No project with id {projectId}.");
        return new ProjectRow(p.LabelsPerItem, p.LeaseMinutes, p.GoldRate, ProjectService.ParseRubric(p.RubricJson), p.AskRationale, p.Archived, p.By);
    }

    private sealed record AssignmentRow(int ProjectId, long ItemId, string ShownLeft, AssignmentStatus Status, DateTime LeasedAt);

    /// <summary>The labeler's assignment, locked for this transaction (a concurrent expiry waits, or has already happened).</summary>
    private static async Task<AssignmentRow> AssignmentAsync(AppDbContext db, long assignmentId, int userId, CancellationToken cancel) =>
        await db.Assignments.Where(a => a.Id == assignmentId && a.LabelerId == userId)
            .Select(a => new AssignmentRow(a.ProjectId, a.ItemId, a.ShownLeft, a.Status, a.LeasedAt)).ForUpdate().SingleOrDefaultAsync(cancel)
        // Someone else's assignment is reported as missing, not as forbidden: ids reveal nothing.
        ?? throw new NotFoundException($"No assignment {assignmentId} of yours.");

    /// <summary>Leases that ran out give their slots back; each only once, whoever notices it first.</summary>
    private static async Task ExpireLeasesAsync(AppDbContext db, int projectId, int labelsPerItem, DateTime now, CancellationToken cancel)
    {
        var expired = await db.Assignments.Where(a => a.ProjectId == projectId && a.Status == AssignmentStatus.Leased && a.LeasedUntil < now)
            .OrderBy(a => a.Id).Select(a => new { a.Id, a.ItemId }).ToListAsync(cancel);
        foreach (var a in expired)
            await ChangeLeaseAsync(db, a.Id, a.ItemId, AssignmentStatus.Expired, now, labelsPerItem, cancel);
    }

    private Task<bool> ReleaseAsync(AppDbContext db, long assignmentId, long itemId, AssignmentStatus status, int labelsPerItem, CancellationToken cancel) =>
        ChangeLeaseAsync(db, assignmentId, itemId, status, Now(), labelsPerItem, cancel);

    /// <summary>Ends a lease (Leased → <paramref name="status"/>) and gives its slot back; false when it was no longer Leased.</summary>
    private static async Task<bool> ChangeLeaseAsync(AppDbContext db, long assignmentId, long itemId, AssignmentStatus status, DateTime now, int labelsPerItem, CancellationToken cancel)
    {
        int changed = await db.Assignments.Where(a => a.Id == assignmentId && a.Status == AssignmentStatus.Leased)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, status).SetProperty(a => a.FinishedAt, (DateTime?)now), cancel);
        if (changed == 0) return false;
        await db.Items.Where(i => i.Id == itemId).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.SlotsTaken, i => i.SlotsTaken - 1)
            .SetProperty(i => i.IsOpen, i => i.SlotsTaken - 1 < labelsPerItem && i.ArchivedAt == null), cancel);
        return true;
    }

    private static Task TakeSlotAsync(AppDbContext db, long itemId, int labelsPerItem, CancellationToken cancel) =>
        db.Items.Where(i => i.Id == itemId).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.SlotsTaken, i => i.SlotsTaken + 1)
            .SetProperty(i => i.IsOpen, i => i.SlotsTaken + 1 < labelsPerItem && i.ArchivedAt == null), cancel);

    /// <summary>A fresh item of the kind asked for first, else of the other kind, else one the labeler skipped earlier.</summary>
    private static async Task<long?> PickAsync(AppDbContext db, int projectId, int userId, bool goldFirst, bool skipLocked, CancellationToken cancel) =>
        await FreshAsync(db, projectId, userId, goldFirst, skipLocked, cancel)
        ?? await FreshAsync(db, projectId, userId, !goldFirst, skipLocked, cancel)
        ?? await SkippedAsync(db, projectId, userId, skipLocked, cancel);

    /// <summary>Locks the rows the query reads for this transaction, passing over those another holds (<paramref name="skipLocked"/>) or waiting for them.</summary>
    private static IQueryable<T> Claim<T>(IQueryable<T> query, bool skipLocked) => skipLocked ? query.ForUpdateSkipLocked() : query.ForUpdate();

    /// <summary>
    /// The first open item (gold or not) the labeler has not held, finished or skipped; claimed for
    /// this transaction. <c>IsOpen</c> is compared with a parameter on purpose: EF writes a bare
    /// <c>i.IsOpen</c> for a comparison with the constant true, and SQLite seeks an index only on
    /// <c>IsOpen = ?</c>: with the bare column it read every item of the project and sorted them,
    /// inside the write lock every labeler waits for.
    /// </summary>
    private static Task<long?> FreshAsync(AppDbContext db, int projectId, int userId, bool gold, bool skipLocked, CancellationToken cancel) =>
        Claim(db.Items
            .Where(i => i.ProjectId == projectId && i.IsOpen == EF.Parameter(true) && i.IsGold == gold &&
                !db.Assignments.Any(a => a.ItemId == i.Id && a.LabelerId == userId &&
                    (a.Status == AssignmentStatus.Leased || a.Status == AssignmentStatus.Done || a.Status == AssignmentStatus.Skipped)))
            .OrderBy(i => i.Id).Select(i => (long?)i.Id), skipLocked).FirstOrDefaultAsync(cancel);

    /// <summary>
    /// The labeler's longest-ago skipped item that is still open, but never the item they skipped last.
    /// <c>IsOpen</c> against a parameter, as in <see cref="FreshAsync"/>: SQLite plans an index only on <c>IsOpen = ?</c>.
    /// </summary>
    private static async Task<long?> SkippedAsync(AppDbContext db, int projectId, int userId, bool skipLocked, CancellationToken cancel)
    {
        var last = await db.Assignments.Where(a => a.LabelerId == userId && a.ProjectId == projectId).OrderByDescending(a => a.Id)
            .Select(a => new { a.ItemId, a.Status }).FirstOrDefaultAsync(cancel);
        long justSkipped = last is { Status: AssignmentStatus.Skipped } ? last.ItemId : -1;
        return await Claim(
            from s in db.Assignments
            join i in db.Items on s.ItemId equals i.Id
            where s.LabelerId == userId && s.ProjectId == projectId && s.Status == AssignmentStatus.Skipped && i.IsOpen == EF.Parameter(true) && s.ItemId != justSkipped &&
                !db.Assignments.Any(a => a.ItemId == s.ItemId && a.LabelerId == userId &&
                    (a.Status == AssignmentStatus.Leased || a.Status == AssignmentStatus.Done))
            orderby s.Id
            select (long?)s.ItemId, skipLocked).FirstOrDefaultAsync(cancel);
    }

    private static async Task<AssignmentView> ViewAsync(AppDbContext db, long assignmentId, CancellationToken cancel)
    {
        var r = await (
            from a in db.Assignments
            join i in db.Items on a.ItemId equals i.Id
            where a.Id == assignmentId
            select new { a.Id, a.ItemId, i.PromptText, a.ShownLeft, i.ResponseA, i.ResponseB, a.LeasedUntil }).SingleAsync(cancel);
        bool aLeft = r.ShownLeft == Choices.A;
        return new AssignmentView(r.Id, r.ItemId, r.PromptText, aLeft ? r.ResponseA : r.ResponseB, aLeft ? r.ResponseB : r.ResponseA, r.LeasedUntil);
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

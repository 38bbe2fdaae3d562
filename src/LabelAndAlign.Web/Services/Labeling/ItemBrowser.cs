using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>Where an item stands: no label yet, some of its labels, all of them; or any item whose labels disagree; or a gold item.</summary>
public enum ItemState { Unlabeled, InProgress, Complete, Disagreement, Gold }

/// <summary>
/// A project's items for a lead to browse (archived ones only when asked): a page at a time, filtered by state and by text in the
/// prompt or either response (or "#id"), with each item's votes (who, what, when) and the model names behind
/// its responses. Every filter is a query on the items' indexes (project, label count, gold) or,
/// for disagreement, on the labels' (project, item) index; only text search reads the texts.
/// </summary>
public sealed class ItemBrowser(IDbContextFactory<AppDbContext> dbs)
{
    /// <summary>How much of the prompt a row shows.</summary>
    public const int PreviewChars = 160;

    /// <summary>One row of the browser; <see cref="Prompt"/> is cut to <see cref="PreviewChars"/>.</summary>
    public sealed record ItemRow(long Id, string? ExternalId, string Prompt, int LabelCount, int LabelsPerItem, bool IsGold,
        string? Gold, string? Verdict, string? ModelA, string? ModelB, bool Disagreement, DateTime CreatedAt, DateTime? ArchivedAt = null)
    {
        public ItemState State => LabelCount == 0 ? ItemState.Unlabeled : LabelCount < LabelsPerItem ? ItemState.InProgress : ItemState.Complete;
    }

    /// <summary>One vote on an item, against the item's own a/b (not the side it was shown on).</summary>
    public sealed record Vote(long LabelId, string Labeler, string Choice, string ShownLeft, int? Strength, string? RatingsJson,
        string? Rationale, double Seconds, DateTime CreatedAt);

    /// <summary>An item whole: prompt, both responses, the models behind them, gold and verdict, and every vote.</summary>
    public sealed record ItemDetail(long Id, int ProjectId, string? ExternalId, string Prompt, string? PromptMessagesJson, string ResponseA, string ResponseB,
        string? ModelA, string? ModelB, bool IsGold, string? Gold, string? Verdict, string? VerdictBy, DateTime? VerdictAt,
        int LabelCount, int LabelsPerItem, DateTime CreatedAt, IReadOnlyList<Vote> Votes, DateTime? ArchivedAt = null)
    {
        public bool Disagreement => Votes.Select(v => v.Choice).Distinct().Count() > 1;
    }

    /// <summary>Parses a state as the API spells it (<c>unlabeled</c>, <c>in_progress</c>, <c>complete</c>, <c>disagreement</c>, <c>gold</c>), refusing others by name.</summary>
    public static ItemState? ParseState(string? state) => state?.Trim().ToLowerInvariant() switch
    {
        null or "" or "all" => null,
        "unlabeled" => ItemState.Unlabeled,
        "in_progress" or "inprogress" or "in-progress" => ItemState.InProgress,
        "complete" => ItemState.Complete,
        "disagreement" => ItemState.Disagreement,
        "gold" => ItemState.Gold,
        _ => throw new InputException("state", $"State must be one of unlabeled, in_progress, complete, disagreement, gold; found '{state}'."),
    };

    /// <summary>The API's spelling of a state.</summary>
    public static string Name(ItemState state) => state switch
    {
        ItemState.InProgress => "in_progress",
        _ => state.ToString().ToLowerInvariant(),
    };

    public async Task<PageOf<ItemRow>> PageAsync(int projectId, ItemState? state, PageRequest query, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int n = await db.Projects.Where(p => p.Id == projectId).Select(p => (int?)p.LabelsPerItem).SingleOrDefaultAsync(cancel)
            ?? throw new NotFoundException($"No project with id {projectId}.");
        var disagreed = db.Labels.Where(l => l.ProjectId == projectId).GroupBy(l => l.ItemId)
            .Where(g => g.Select(l => l.Choice).Distinct().Count() > 1).Select(g => g.Key);
        var items = db.Items.AsNoTracking().Where(i => i.ProjectId == projectId);
        if (!query.Archived) items = items.Where(i => i.ArchivedAt == null);
        items = state switch
        {
            ItemState.Unlabeled => items.Where(i => i.LabelCount == 0),
            ItemState.InProgress => items.Where(i => i.LabelCount > 0 && i.LabelCount < n),
            ItemState.Complete => items.Where(i => i.LabelCount >= n),
            ItemState.Disagreement => items.Where(i => disagreed.Contains(i.Id)),
            ItemState.Gold => items.Where(i => i.IsGold),
            _ => items,
        };
        if (query.Pattern is string pattern)
        {
            long id = query.Id ?? 0;
            items = items.Where(i => i.Id == id
                || TextSearch.Matches(i.PromptText, pattern)
                || TextSearch.Matches(i.ResponseA, pattern)
                || TextSearch.Matches(i.ResponseB, pattern));
        }
        int total = await items.CountAsync(cancel);
        bool desc = query.Descending;
        IQueryable<Item> Sorted(IQueryable<Item> q) => query.SortBy switch
        {
            nameof(ItemRow.LabelCount) => desc ? q.OrderByDescending(i => i.LabelCount).ThenByDescending(i => i.Id) : q.OrderBy(i => i.LabelCount).ThenBy(i => i.Id),
            _ => desc ? q.OrderByDescending(i => i.Id) : q.OrderBy(i => i.Id), // ids grow with creation
        };
        // The page's ids first (an index walk, however deep the page), then only those rows' texts and
        // votes: SQLite would otherwise build every skipped row of a deep page, votes included.
        var pageIds = Sorted(items).Skip(query.Skip).Take(query.Take).Select(i => i.Id);
        var rows = await Sorted(db.Items.AsNoTracking().Where(i => pageIds.Contains(i.Id)))
            .Select(i => new ItemRow(i.Id, i.ExternalId, i.PromptText.Substring(0, PreviewChars), i.LabelCount, n, i.IsGold, i.Gold, i.Verdict,
                i.ModelA, i.ModelB, db.Labels.Where(l => l.ItemId == i.Id).Select(l => l.Choice).Distinct().Count() > 1, i.CreatedAt, i.ArchivedAt))
            .ToListAsync(cancel);
        return new PageOf<ItemRow>(rows, total);
    }

    /// <summary>One item of the project whole, with its votes oldest first; null when the project has no such item.</summary>
    public async Task<ItemDetail?> FindAsync(int projectId, long itemId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var item = await (from i in db.Items.AsNoTracking()
                          join p in db.Projects on i.ProjectId equals p.Id
                          join u in db.Users on i.VerdictById equals (int?)u.Id into us
                          from u in us.DefaultIfEmpty()
                          where i.Id == itemId && i.ProjectId == projectId
                          select new { Item = i, p.LabelsPerItem, VerdictBy = u == null ? null : u.Email }).SingleOrDefaultAsync(cancel);
        if (item is null) return null;
        var votes = await (from l in db.Labels.AsNoTracking()
                           join u in db.Users on l.LabelerId equals u.Id
                           where l.ItemId == itemId
                           orderby l.CreatedAt, l.Id
                           select new Vote(l.Id, u.Email, l.Choice, l.ShownLeft, l.Strength, l.RatingsJson, l.Rationale, l.Seconds, l.CreatedAt)).ToListAsync(cancel);
        var it = item.Item;
        return new ItemDetail(it.Id, it.ProjectId, it.ExternalId, it.PromptText, it.PromptMessagesJson, it.ResponseA, it.ResponseB, it.ModelA, it.ModelB,
            it.IsGold, it.Gold, it.Verdict, item.VerdictBy, it.VerdictAt, it.LabelCount, item.LabelsPerItem, it.CreatedAt, votes, it.ArchivedAt);
    }

    /// <summary>Whether the project holds the item (archived or not).</summary>
    public async Task<bool> HoldsAsync(int projectId, long itemId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Items.AnyAsync(i => i.Id == itemId && i.ProjectId == projectId, cancel);
    }
}

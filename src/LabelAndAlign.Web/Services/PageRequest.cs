namespace LabelAndAlign.Web.Services;

/// <summary>
/// One page of a list as a grid asks for it: which page, how many rows, the column to sort by (a name each service
/// maps onto its own columns; anything else falls back to the service's default order) and text to search. Services
/// page, sort and filter in the database and answer a <see cref="PageOf{T}"/>. <paramref name="Archived"/> ("Show archived") lists
/// archived rows too, where the list has them; they are hidden otherwise.
/// </summary>
public sealed record PageRequest(int Page = 0, int PageSize = PageRequest.DefaultPageSize, string? SortBy = null, bool Descending = false, string? Search = null,
    bool Archived = false)
{
    public const int DefaultPageSize = 25, MaxPageSize = 200;

    public int Take => Math.Clamp(PageSize, 1, MaxPageSize);

    public int Skip => Math.Max(0, Page) * Take;

    /// <summary>The search text, trimmed; null when there is none.</summary>
    public string? Text => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim();

    /// <summary>A pattern for <see cref="Data.TextSearch.Matches"/>: the search text anywhere, case ignored (its own % and _ matched literally), or null.</summary>
    public string? Pattern => Text is { } t ? $"%{t.Replace(E, E + E).Replace("%", E + "%").Replace("_", E + "_")}%" : null;

    private const string E = Data.TextSearch.Escape;

    /// <summary>The search text as an id ("12" or "#12"), for lists whose rows people name by number.</summary>
    public int? Id => Text is { } t && int.TryParse(t.TrimStart('#'), out int id) ? id : null;
}

/// <summary>A page of rows and how many rows match in all.</summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Total);

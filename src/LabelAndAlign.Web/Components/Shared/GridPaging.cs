using LabelAndAlign.Web.Services;
using MudBlazor;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>The one bridge between a MudDataGrid's server-data call and the services' <see cref="PageRequest"/>.</summary>
public static class GridPaging
{
    /// <summary>The grid's page, page size and first sort column (its property name), with the page's search text and "Show archived".</summary>
    public static PageRequest Request<T>(GridState<T> state, string? search = null, bool archived = false)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        return new PageRequest(state.Page, state.PageSize, sort?.SortBy, sort?.Descending ?? false, search, archived);
    }

    public static GridData<T> Data<T>(PageOf<T> page) => new() { Items = page.Items, TotalItems = page.Total };
}

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// Catches an exception thrown while rendering a page, logs it with an incident id, and shows a
/// friendly message with that id and a way to try again, instead of breaking the whole circuit.
/// </summary>
public sealed class AppErrorBoundary : ErrorBoundary
{
    [Inject] private ILogger<AppErrorBoundary> Logger { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private string _incident = "";

    protected override Task OnErrorAsync(Exception exception)
    {
        _incident = Guid.NewGuid().ToString("N")[..8];
        Logger.LogError(exception, "Unhandled error on {Page} (incident {Incident})", Navigation.Uri, _incident);
        return Task.CompletedTask;
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (CurrentException is null)
        {
            builder.AddContent(0, ChildContent);
            return;
        }
        builder.OpenElement(1, "div");
        builder.AddAttribute(2, "class", "error-panel");
        builder.AddAttribute(3, "role", "alert");
        builder.OpenElement(4, "h2");
        builder.AddContent(5, "Something went wrong on this page");
        builder.CloseElement();
        builder.OpenElement(6, "p");
        builder.AddContent(7, $"The error was logged as incident {_incident}. Your other work is safe.");
        builder.CloseElement();
        builder.OpenElement(8, "button");
        builder.AddAttribute(9, "class", "btn");
        builder.AddAttribute(10, "onclick", EventCallback.Factory.Create(this, Recover));
        builder.AddContent(11, "Try again");
        builder.CloseElement();
        builder.CloseElement();
    }
}

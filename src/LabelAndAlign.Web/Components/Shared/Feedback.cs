using MudBlazor;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// How a page tells people what happened and asks before it destroys anything: a snackbar for a
/// result (<see cref="Success"/>, <see cref="Error"/>, <see cref="Info"/>) and a confirmation
/// dialog (<see cref="ConfirmAsync"/>). One service, so every page words and places them alike.
/// </summary>
public sealed class Feedback(ISnackbar snackbar, IDialogService dialogs)
{
    public void Success(string message) => snackbar.Add(message, Severity.Success);

    /// <summary>An error stays until dismissed: it usually says what to fix.</summary>
    public void Error(string message) => snackbar.Add(message, Severity.Error, o => o.RequireInteraction = true);

    public void Info(string message) => snackbar.Add(message, Severity.Info);

    /// <summary>
    /// Asks before an action; true when the person confirmed. <paramref name="destructive"/> colours
    /// the confirm button as a danger and puts the focus on Cancel, so Enter never destroys by accident.
    /// </summary>
    public async Task<bool> ConfirmAsync(string title, string message, string confirmText, bool destructive = true)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Message, message },
            { d => d.ConfirmText, confirmText },
            { d => d.Destructive, destructive },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true, CloseOnEscapeKey = true, BackdropClick = true };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters, options);
        var result = await dialog.Result;
        return result is { Canceled: false };
    }
}

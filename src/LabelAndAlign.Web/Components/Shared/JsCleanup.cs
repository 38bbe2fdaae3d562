using Microsoft.JSInterop;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// Releasing a component's JavaScript objects as it goes away. When the tab was closed, the
/// circuit is gone with it: the calls fail with <see cref="JSDisconnectedException"/>, or with a
/// <see cref="TaskCanceledException"/> when the circuit was torn down mid-call. Nothing is left to
/// release then, so neither is an error; anything else still is.
/// </summary>
public static class JsCleanup
{
    public static async ValueTask RunAsync(Func<ValueTask> release)
    {
        try
        {
            await release();
        }
        catch (Exception e) when (e is JSDisconnectedException or OperationCanceledException)
        {
            // The page and its circuit are gone; so are the objects.
        }
    }
}

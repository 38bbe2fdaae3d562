using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Archiving;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// Delete-or-archive and restore from any page, worded alike: the dialog says which will happen and why
/// (<see cref="RemovalPlan.Question"/>, titled "Archive dataset" or "Delete run"), a snackbar says what did.
/// </summary>
public static class ArchiveActions
{
    /// <summary>Asks (with what <see cref="Archives.RemoveAsync"/> would do now), then does it; the plan carried out, or null when cancelled or refused.</summary>
    public static async Task<RemovalPlan?> ConfirmAndRemoveAsync(Feedback feedback, Archives archives, ArchiveKind kind, long id)
    {
        try
        {
            var plan = await archives.PlanAsync(kind, id);
            if (!await feedback.ConfirmAsync(plan.Action, plan.Question, plan.Action)) return null;
            var done = await archives.RemoveAsync(kind, id);
            feedback.Success(done.Done);
            return done;
        }
        catch (Exception e) when (e is InputException or NotFoundException)
        {
            feedback.Error(e.Message);
            return null;
        }
    }

    /// <summary>Restores without asking (nothing is lost); true when it is back.</summary>
    public static async Task<bool> RestoreAsync(Feedback feedback, Archives archives, ArchiveKind kind, long id)
    {
        try
        {
            string name = await archives.RestoreAsync(kind, id);
            feedback.Success($"Restored {kind.ToString().ToLowerInvariant()} “{name}”.");
            return true;
        }
        catch (NotFoundException e)
        {
            feedback.Error(e.Message);
            return false;
        }
    }
}

using LabelAndAlign.Web.Data.Labeling;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// The comparison page's state, testable without a browser: the current assignment, the
/// choice being made, and intent-named actions (<see cref="Choose"/>, <see cref="SubmitAsync"/>,
/// <see cref="SkipAsync"/>, <see cref="UndoAsync"/>). One action runs at a time; keys pressed
/// while one is in flight are ignored rather than queued.
/// </summary>
public sealed class LabelingSession(LabelingQueue queue, ProjectService projects, int projectId, int userId)
{
    public Project? Project { get; private set; }
    public List<string> Rubric { get; private set; } = [];
    public AssignmentView? Current { get; private set; }

    /// <summary>left, right, tie or both_bad (screen sides); null until the labeler chooses.</summary>
    public string? Choice { get; private set; }
    public int? Strength { get; set; }
    public string Rationale { get; set; } = "";
    public Dictionary<string, Dictionary<string, int>> Ratings { get; } = new() { ["left"] = [], ["right"] = [] };

    public long DoneToday { get; private set; }
    public long Remaining { get; private set; }
    public long MyTotal { get; private set; }

    /// <summary>What just happened ("Saved", "Skipped", an error), for a polite status line.</summary>
    public string? Message { get; private set; }
    public bool MessageIsError { get; private set; }
    public bool Busy { get; private set; }

    /// <summary>The labeler may no longer label here (demoted, removed, disabled): nothing more is offered.</summary>
    public bool NotAllowed { get; private set; }

    /// <summary>The project was archived: nothing more is offered; <see cref="Message"/> says who archived it.</summary>
    public bool Archived { get; private set; }
    public bool Finished => Project is not null && Current is null;

    public bool CanSubmit => Current is not null && Choice is not null && !Busy
        && (Project?.AskRationale != true || Rationale.Trim().Length > 0);

    public async Task LoadAsync(CancellationToken cancel = default)
    {
        Project = await projects.FindAsync(projectId, cancel);
        if (Project is null) return;
        Rubric = ProjectService.ParseRubric(Project.RubricJson);
        await RunAsync(async () => Current = await queue.NextAsync(projectId, userId, cancel), null, cancel);
    }

    public void Choose(string choice)
    {
        if (Current is null || choice is not ("left" or "right" or "tie" or "both_bad")) return;
        Choice = choice;
        if (choice is "tie" or "both_bad") Strength = null;
        Message = null;
    }

    public void Rate(string side, string dimension, int value)
    {
        if (value is >= 1 and <= 5 && Rubric.Contains(dimension)) Ratings[side][dimension] = value;
    }

    public Task SubmitAsync(CancellationToken cancel = default)
    {
        if (Current is null) return Task.CompletedTask;
        if (Choice is null)
        {
            (Message, MessageIsError) = ("Choose first: 1 (A better), 2 (B better), 3 (tie) or 4 (both bad).", true);
            return Task.CompletedTask;
        }
        if (Project?.AskRationale == true && Rationale.Trim().Length == 0)
        {
            (Message, MessageIsError) = ("This project asks for a short rationale before you submit.", true);
            return Task.CompletedTask;
        }
        var input = new LabelInput(Choice, Strength,
            Ratings.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => new Dictionary<string, int>(r.Value)), Rationale);
        long assignment = Current.AssignmentId;
        return RunAsync(async () =>
        {
            await queue.SubmitAsync(assignment, userId, input, cancel);
            Current = await queue.NextAsync(projectId, userId, cancel);
        }, "Saved.", cancel);
    }

    /// <summary>The judgement being made on the current item and not yet submitted, or null without an item.</summary>
    public LabelDraft? Draft() => Current is null ? null : new LabelDraft(Current.AssignmentId, Choice, Strength, Rationale,
        Ratings.ToDictionary(r => r.Key, r => new Dictionary<string, int>(r.Value)));

    /// <summary>
    /// Puts back an unsent judgement (kept while the server restarted) if it was made on the item
    /// shown now; a draft for another assignment (the lease expired, someone else took it) is dropped.
    /// </summary>
    public bool Restore(LabelDraft draft)
    {
        if (Current is null || Current.AssignmentId != draft.AssignmentId) return false;
        if (draft.Choice is not null) Choose(draft.Choice);
        Strength = draft.Choice is "left" or "right" ? draft.Strength : null;
        Rationale = draft.Rationale;
        foreach (var side in Ratings.Keys)
            foreach (var (dimension, value) in draft.Ratings.GetValueOrDefault(side) ?? [])
                Rate(side, dimension, value);
        return true;
    }

    public Task SkipAsync(CancellationToken cancel = default)
    {
        if (Current is null) return Task.CompletedTask;
        long assignment = Current.AssignmentId;
        return RunAsync(async () =>
        {
            await queue.SkipAsync(assignment, userId, cancel);
            Current = await queue.NextAsync(projectId, userId, cancel);
        }, "Skipped — it will come back later.", cancel);
    }

    public Task UndoAsync(CancellationToken cancel = default) =>
        RunAsync(async () =>
        {
            var back = await queue.UndoAsync(projectId, userId, cancel);
            if (back is null) throw new InputException("undo", "Nothing to undo yet.");
            Current = back;
        }, "Undone — your last label was removed; judge it again.", cancel);

    private async Task RunAsync(Func<Task> action, string? success, CancellationToken cancel)
    {
        if (Busy) return;
        Busy = true;
        long before = Current?.AssignmentId ?? -1;
        try
        {
            await action();
            if (success is not null) (Message, MessageIsError) = (success, false);
        }
        catch (ProjectArchivedException e)
        {
            Close(e);
        }
        catch (InputException e)
        {
            (Message, MessageIsError) = (e.Message, true);
            await NextAfterRefusalAsync(cancel);
        }
        catch (NotFoundException e)
        {
            (Message, MessageIsError) = (e.Message, true);
            await NextAfterRefusalAsync(cancel);
        }
        catch (NotAllowedException e)
        {
            (Message, MessageIsError) = (e.Message, true);
            Current = null;
            NotAllowed = true;
        }
        finally
        {
            Busy = false;
        }
        if ((Current?.AssignmentId ?? -1) != before) ResetChoice();
        if (!NotAllowed) await RefreshProgressAsync(cancel);
    }

    /// <summary>After a refused action, the item to show now; the project may have been archived meanwhile.</summary>
    private async Task NextAfterRefusalAsync(CancellationToken cancel)
    {
        try { Current = await queue.NextAsync(projectId, userId, cancel); }
        catch (ProjectArchivedException e) { Close(e); }
    }

    private void Close(ProjectArchivedException e)
    {
        (Message, MessageIsError) = (e.Message, true);
        Current = null;
        Archived = true;
    }

    private void ResetChoice()
    {
        Choice = null;
        Strength = null;
        Rationale = "";
        Ratings["left"].Clear();
        Ratings["right"].Clear();
    }

    private async Task RefreshProgressAsync(CancellationToken cancel)
    {
        var p = await projects.ProgressAsync(projectId, userId, cancel);
        (DoneToday, Remaining, MyTotal) = p;
        if (Archived) Remaining = 0; // it hands out nothing more
    }
}

/// <summary>An unsent judgement: the assignment it is for, the choice, strength, rationale and rubric ratings per screen side.</summary>
public sealed record LabelDraft(long AssignmentId, string? Choice, int? Strength, string Rationale, Dictionary<string, Dictionary<string, int>> Ratings);

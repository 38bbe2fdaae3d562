namespace LabelAndAlign.Web.Services.Archiving;

/// <summary>The things a lead can delete or archive whose lineage others may point to.</summary>
public enum ArchiveKind { Project, Dataset, Run, Checkpoint, Item }

/// <summary>What removing did: deleted (gone, files too), or archived (hidden from lists and pickers, kept, restorable).</summary>
public enum RemovalOutcome { Deleted, Archived }

/// <summary>
/// What removing one thing would do, and why: deleted when nothing points to it, archived when something does
/// (<see cref="Reasons"/>, each with its numbers). The confirmation dialog and the API's answer read the same words.
/// </summary>
/// <param name="Contents">what a delete takes with it, e.g. "its 3 checkpoints (files too), metrics and samples"</param>
/// <param name="CancelsRun">the run is queued or training: it is cancelled first, through the run's own cancel</param>
/// <param name="ArchivedAt">when it was archived already (a delete of an archived thing deletes it once nothing points to it)</param>
public sealed record RemovalPlan(ArchiveKind Kind, long Id, string Name, RemovalOutcome Outcome, IReadOnlyList<string> Reasons,
    string Contents, bool CancelsRun, DateTime? ArchivedAt)
{
    public string Noun => Kind.ToString().ToLowerInvariant();

    /// <summary>The dialog's title and its confirm button: "Archive dataset", "Delete run".</summary>
    public string Action => $"{(Outcome == RemovalOutcome.Archived ? "Archive" : "Delete")} {Noun}";

    /// <summary>Why, in one sentence fragment: "2 runs were trained on this dataset", or "nothing points to it".</summary>
    public string Why => Reasons.Count == 0 ? "nothing points to it" : string.Join("; ", Reasons);

    /// <summary>The confirmation's question, with what happens first, what happens, and why.</summary>
    public string Question
    {
        get
        {
            string first = CancelsRun ? $"Run “{Name}” is still queued or training: it is cancelled first. " : "";
            return Outcome == RemovalOutcome.Archived
                ? $"{first}Archive {Noun} “{Name}”? {Capitalized(Why)}, so it is kept: {Hidden}, and back with Restore."
                : $"{first}Delete {Noun} “{Name}”{(Contents.Length > 0 ? $" and {Contents}" : "")}? Nothing points to it. This cannot be undone.";
        }
    }

    /// <summary>What happened, for a snackbar or the API: "Archived dataset “x”: 2 runs were trained on this dataset."</summary>
    public string Done => Outcome == RemovalOutcome.Archived
        ? $"Archived {Noun} “{Name}”: {Why}. Show archived lists it; Restore brings it back."
        : $"Deleted {Noun} “{Name}”.";

    /// <summary>What archiving does to this kind, in words.</summary>
    public string Hidden => Kind == ArchiveKind.Item
        ? "out of the labeling queue, agreement and preference exports (its labels stay), hidden in the item list"
        : "hidden from lists and pickers";

    private static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}

namespace LabelAndAlign.Protocol;

/// <param name="RunSlots">training runs the worker can start now</param>
/// <param name="GenerationSlots">item generations it can start now (beside its runs: a person waits for one)</param>
public sealed record ClaimRequest(int RunSlots, int GenerationSlots = 0);

/// <summary>A claimed job: a run or an item generation.</summary>
public sealed record Assignment(RunAssignment? Run, GenerationAssignment? Generation = null);

/// <summary>
/// A run to train under lease <see cref="Epoch"/>: its options (the run key table's JSON), where its rows come from
/// (<see cref="EngineRoutes.RunDataset"/>), the checkpoints to download, and the checkpoint to resume from.
/// </summary>
/// <param name="Pack">the built-in task pack the dataset came from (its reward scores completions), or null</param>
/// <param name="ResumeCheckpointId">the newest checkpoint uploaded for this run; null = start at step 0</param>
/// <param name="Attempt">starts of this run in a row that did not end cleanly, this one included</param>
public sealed record RunAssignment(int RunId, long Epoch, string Name, string Algorithm, string ConfigJson, string DatasetName, string? Pack,
    int? BaseCheckpointId, int? RewardCheckpointId, int? ResumeCheckpointId, int ResumeStep, int Attempt);


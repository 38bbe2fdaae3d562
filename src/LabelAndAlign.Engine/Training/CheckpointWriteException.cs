namespace LabelAndAlign.Engine.Training;

/// <summary>
/// A checkpoint could not be written (full disk, unwritable or blocked folder). The trainer
/// leaves no partial <c>checkpoint-&lt;step&gt;</c> folder behind when this is thrown.
/// </summary>
public sealed class CheckpointWriteException(string path, Exception inner)
    : IOException($"Could not write checkpoint to {path}: {inner.Message}", inner)
{
    /// <summary>The checkpoint folder that was being written.</summary>
    public string Path { get; } = path;
}

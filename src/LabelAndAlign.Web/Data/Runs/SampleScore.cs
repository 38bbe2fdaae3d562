namespace LabelAndAlign.Web.Data.Runs;

/// <summary>
/// An evaluation sample's score by a reward-model judge (a checkpoint a lead picked on Compare), beside the score its
/// worker gave it where it was generated (<see cref="RunSample.Reward"/>, the task pack's oracle), which it never replaces.
/// </summary>
public sealed class SampleScore
{
    public long SampleId { get; set; }
    public int JudgeCheckpointId { get; set; }
    public double Score { get; set; }
}

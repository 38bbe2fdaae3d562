namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>Settings for the labeling side, from the <c>Labeling</c> configuration section (import limits are <see cref="Imports.ImportOptions"/>).</summary>
public sealed class LabelingOptions
{
    /// <summary>Item generations (sampling from checkpoints) allowed at once; more are refused with 409.</summary>
    public int MaxConcurrentGenerations { get; set; } = 1;
}

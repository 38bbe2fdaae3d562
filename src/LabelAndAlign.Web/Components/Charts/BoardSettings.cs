namespace LabelAndAlign.Web.Components.Charts;

/// <summary>How a board draws: EMA smoothing weight (0 = none), what x counts, log-scale y.</summary>
public sealed record BoardSettings(double Smoothing = 0.6, XAxisMode XAxis = XAxisMode.Step, bool LogY = false);

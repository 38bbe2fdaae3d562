namespace LabelAndAlign.Web.Services.Imports;

/// <summary>One reason an import was refused: the 1-based line (0 for the whole file) and what is wrong with it.</summary>
public sealed record ImportError(int Line, string Message);

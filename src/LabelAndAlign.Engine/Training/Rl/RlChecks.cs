namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>Shape checks shared by the RL math; every message names the buffer, the need and the find.</summary>
internal static class RlChecks
{
    public static void Shape(int B, int T, string what)
    {
        if (B <= 0 || T <= 0) throw new ArgumentException($"{what} needs positive sizes, found B={B} T={T}.");
    }

    public static void Length(int length, int needed, string name, string what, string shape)
    {
        if (length < needed) throw new ArgumentException($"{what}: {name} needs {needed} floats {shape}, found {length}.");
    }

    /// <summary>How many elements <paramref name="mask"/> selects (its sum); throws when it selects none.</summary>
    public static double SelectedCount(ReadOnlySpan<float> mask, string what, string noun)
    {
        double count = 0;
        for (int i = 0; i < mask.Length; i++) count += mask[i];
        if (count == 0) throw new ArgumentException($"{what}: the mask selects none of the {mask.Length} {noun}.");
        return count;
    }

    /// <summary>An empty span is allowed (gradient skipped); otherwise it must hold <paramref name="needed"/>.</summary>
    public static void OptionalLength(int length, int needed, string name, string what, string shape)
    {
        if (length != 0 && length < needed) throw new ArgumentException($"{what}: {name} needs {needed} floats {shape} (or empty to skip), found {length}.");
    }
}

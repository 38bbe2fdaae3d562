using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Encodings for the arrays a trainer keeps in its checkpoint state (<see cref="ITrainingAlgorithm.SaveState"/>),
/// e.g. the current rollout of PPO or GRPO. Floats travel as base64 of their raw bytes rather than as JSON
/// numbers: the round trip is exact (every bit, NaN payloads and −0 included), so a resume is bit-identical,
/// and the text is smaller than decimal digits.
/// </summary>
internal static class StateJson
{
    public static JsonNode Floats(float[] x) => JsonValue.Create(Convert.ToBase64String(MemoryMarshal.AsBytes(x.AsSpan())))!;

    public static float[] FromFloats(JsonNode n)
    {
        var bytes = Convert.FromBase64String(n.GetValue<string>());
        if (bytes.Length % sizeof(float) != 0)
            throw new InvalidDataException($"A float array in the trainer state has {bytes.Length} bytes, not a multiple of {sizeof(float)}.");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>One base64 string per row (rows may differ in length).</summary>
    public static JsonArray Rows(float[][] rows) => new(rows.Select(Floats).ToArray());

    public static float[][] FromRows(JsonNode n) => n.AsArray().Select(r => FromFloats(r!)).ToArray();

    public static JsonArray Ints(int[] x) => new(x.Select(i => (JsonNode)i).ToArray());

    public static int[] FromInts(JsonNode n) => n.AsArray().Select(i => i!.GetValue<int>()).ToArray();

    /// <summary>Token rows (completions) as nested JSON arrays.</summary>
    public static JsonArray IntRows(int[][] rows) => new(rows.Select(r => (JsonNode)Ints(r)).ToArray());

    public static int[][] FromIntRows(JsonNode n) => n.AsArray().Select(r => FromInts(r!)).ToArray();
}

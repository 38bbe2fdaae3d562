using System.Text.Json.Nodes;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Fixtures/rl/rl_fixture.json, written by Fixtures/rl/make_rl_fixture.py (PyTorch 1.13 autograd).</summary>
internal static class RlFixture
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rl", "rl_fixture.json")))!.AsObject());

    /// <summary>Parity tolerance against PyTorch (fp32 against fp32): absolute, relative above 1.</summary>
    public const double Tolerance = 1e-5;

    public static JsonObject Section(string name) => Root.Value[name]!.AsObject();

    public static float[] Floats(JsonNode node, string name) =>
        node[name]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();

    public static double[] Doubles(JsonNode node, string name) =>
        node[name]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    public static float Float(JsonNode node, string name) => (float)node[name]!.GetValue<double>();

    public static int Int(JsonNode node, string name) => node[name]!.GetValue<int>();

    public static void Close(double expected, double actual, string what)
    {
        double tol = Tolerance * Math.Max(1.0, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (|Δ| = {Math.Abs(expected - actual):E2} > {tol:E2})");
    }

    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}");
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], $"{what}[{i}]");
    }
}

using System.Text.Json;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Seeded random models and fixture paths shared by checkpoint and inference tests.</summary>
internal static class InferenceTestModels
{
    /// <summary>C = 48 is not a multiple of the 64-wide panels and V = 96 spans one and a half: tails are exercised.</summary>
    public static GptConfig Small => new() { VocabSize = 96, BlockSize = 32, Channels = 48, Layers = 2, Heads = 4 };

    public static ParameterTensors Random(GptConfig config, int seed)
    {
        var p = new ParameterTensors(config);
        var rng = new Random(seed);
        for (int i = 0; i < p.Count; i++) p.Data[i] = (float)((rng.NextDouble() * 2 - 1) * 0.35);
        int c = config.Channels;
        // LayerNorm gains near 1 keep activations in a realistic range.
        foreach (var gain in new[] { 2, 8, 14 })
        {
            var s = p.Slice(gain);
            for (int i = 0; i < s.Length; i++) s[i] += 1f;
        }
        // Spread the embedding so that the logits are far from uniform.
        var wte = p.Wte;
        for (int i = 0; i < wte.Length; i++) wte[i] *= 3f;
        _ = c;
        return p;
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static (int[] Tokens, float[][] Logits) ExpectedLogits(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected_logits.json")));
        var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray()
            .Select(r => r.EnumerateArray().Select(e => e.GetSingle()).ToArray()).ToArray();
        return (tokens, logits);
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "lna-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}

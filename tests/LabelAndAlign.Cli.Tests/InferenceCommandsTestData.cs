using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Cli.Tests;

/// <summary>A saved seeded random GPT for the command tests.</summary>
internal static class InferenceCommandsTestData
{
    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "lna-cli-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static (string Dir, ParameterTensors Parameters) SavedModel(int vocab, int seed)
    {
        var config = new GptConfig { VocabSize = vocab, BlockSize = 48, Channels = 32, Layers = 2, Heads = 2 };
        var p = new ParameterTensors(config);
        var rng = new Random(seed);
        for (int i = 0; i < p.Count; i++) p.Data[i] = (float)((rng.NextDouble() * 2 - 1) * 0.3);
        p.Ln1W.Fill(1f);
        p.Ln2W.Fill(1f);
        p.LnfW.Fill(1f);
        string dir = TempDir();
        Checkpoint.Save(dir, p);
        return (dir, p);
    }
}

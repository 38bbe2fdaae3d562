using LabelAndAlign.Cli.Training;

namespace LabelAndAlign.Cli.Tests;

public sealed class TrainConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lna-trainconfig-tests", Guid.NewGuid().ToString("N"));

    public TrainConfigTests() => Directory.CreateDirectory(Path.Combine(_dir, "configs"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Load_ResolvesEveryPathAgainstTheConfigFilesFolder()
    {
        string file = Path.Combine(_dir, "configs", "dpo.yaml");
        File.WriteAllText(file, """
            algorithm: dpo
            output_dir: runs/dpo
            pack: sentiment
            init_from: ../checkpoints/sft
            reference: /abs/ref
            """);
        var config = TrainConfig.Load(file);
        Assert.Equal(Path.Combine(_dir, "configs", "runs", "dpo"), config.OutputDir);
        Assert.Equal(Path.Combine(_dir, "checkpoints", "sft"), config.InitFrom);
        Assert.Equal("/abs/ref", config.Reference);
        Assert.Null(config.RewardModel);
    }

    [Fact]
    public void Load_ThrowsOnAnUnknownKey()
    {
        string file = Path.Combine(_dir, "configs", "typo.yaml");
        File.WriteAllText(file, "algorithm: sft\noutput_dir: out\npack: sentiment\ntraining: { max_stepz: 3 }\n");
        var e = Assert.Throws<InvalidDataException>(() => TrainConfig.Load(file));
        Assert.Contains("max_stepz", e.Message);
    }
}

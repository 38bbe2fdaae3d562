using LabelAndAlign.Cli.Training;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Tests;

public sealed class TrainFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lna-trainfile-tests", Guid.NewGuid().ToString("N"));

    public TrainFileTests() => Directory.CreateDirectory(Path.Combine(_dir, "configs"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Write(string yaml)
    {
        string file = Path.Combine(_dir, "configs", $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    private static TrainFile Load(string file) => TrainFile.Load(file, TrainingBackends.NativeOnly);

    [Fact]
    public void Load_ReadsTheFlatKeysOfTheKeyTable_AndResolvesPathsAgainstTheFile()
    {
        var file = Load(Write("""
            algorithm: dpo
            output_dir: runs/dpo
            pack: sentiment
            init_from: ../checkpoints/sft
            reference: /abs/ref
            max_steps: 300
            per_device_train_batch_size: 16
            learning_rate: 5e-4
            lr_scheduler_type: constant
            beta: 0.5
            loss_type: sigmoid
            stop_on_kl_above: ~
            eval_prompts: ["The movie was", "I thought the film"]
            """));
        Assert.Equal(Path.Combine(_dir, "configs", "runs", "dpo"), file.OutputDir);
        Assert.Equal(Path.Combine(_dir, "checkpoints", "sft"), file.InitFrom);
        Assert.Equal("/abs/ref", file.Reference);
        Assert.Null(file.RewardModel);
        Assert.Equal(Algorithm.Dpo, file.Spec.Algorithm);
        Assert.Equal((300, 16, 5e-4f, LrSchedulerType.Constant), (file.Spec.Trainer.MaxSteps, file.Spec.Trainer.BatchSize, file.Spec.Trainer.LearningRate, file.Spec.Trainer.LrSchedulerType));
        Assert.Equal(0.5, file.Spec.OptionsAs<DpoOptions>().Beta);
        Assert.Equal(["The movie was", "I thought the film"], file.EvalPrompts);
    }

    [Fact]
    public void Load_ReportsEveryProblemAtOnce_OnePerLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(Write("""
            algorithm: grpo
            output_dir: out
            pack: sentiment
            max_stepz: 3
            num_generations: 100000000
            per_device_train_batch_size: "eight"
            """)));
        var lines = e.Message.Split('\n');
        Assert.EndsWith(".yaml:", lines[0]);
        Assert.Contains(lines, l => l.Contains("Unknown option 'max_stepz'; did you mean max_steps?"));
        Assert.Contains(lines, l => l.Contains("num_generations must be at most 256, found 100000000."));
        Assert.Contains(lines, l => l.Contains("per_device_train_batch_size must be a number from 1 to 1,024, found \"eight\"."));
    }

    [Fact]
    public void Load_NamesTheOldNestedLayout_AndMissingInputs()
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(Write("""
            algorithm: sft
            training: { max_steps: 3, batch_size: 8 }
            model: { preset: tiny }
            """)));
        Assert.Contains("'training:' is a section of the old layout; options are flat keys now", e.Message);
        Assert.Contains("'model:' is a section of the old layout", e.Message);
        Assert.Contains("output_dir is required", e.Message);
        Assert.Contains("Give a pack (arithmetic, sentiment) or a dataset", e.Message);
    }

    [Fact]
    public void Load_RefusesAnEngineThisProcessLacks_AndAnUnknownAlgorithm()
    {
        Assert.Contains("engine: torch is not available here", Assert.Throws<InvalidDataException>(() => Load(Write("algorithm: sft\noutput_dir: o\npack: sentiment\nengine: torch\n"))).Message);
        Assert.Contains("Unknown algorithm 'kto'", Assert.Throws<InvalidDataException>(() => Load(Write("algorithm: kto\noutput_dir: o\npack: sentiment\n"))).Message);
    }

    [Fact]
    public void Load_EveryExampleConfigInTheRepository()
    {
        string examples = Path.Combine(RepoRoot.Path, "examples");
        var files = Directory.GetFiles(examples, "*.yaml");
        Assert.NotEmpty(files);
        foreach (var f in files) Load(f);
    }
}

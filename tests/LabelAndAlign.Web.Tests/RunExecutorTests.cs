using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Real tiny runs through <see cref="RunExecutor"/> into a migrated database: the samples taken at each
/// checkpoint carry the KL to the run's reference and the reward the run optimizes.
/// </summary>
public sealed class RunExecutorTests : IDisposable
{
    /// <summary>The score of the constant reward model <see cref="ConstantRewardModel"/> writes.</summary>
    private const float ConstantReward = 0.4375f;

    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>Arithmetic rows with the pack's <c>answer</c> field, as SFT rows (with a completion) or prompt rows.</summary>
    private static List<JsonObject> Arithmetic(bool completions) => Enumerable.Range(1, 12).Select(i =>
    {
        var o = new JsonObject { ["prompt"] = $"{i}+{i % 3}=", ["answer"] = $"{i + i % 3}" };
        if (completions) o["completion"] = $"{i + i % 3}";
        return o;
    }).ToList();

    private (List<RunSample> Samples, string Checkpoint) Execute(string algorithm, string config, List<JsonObject> rows, string source,
        string? baseDir = null, string? rewardDir = null)
    {
        var run = new Run { Name = algorithm, Algorithm = algorithm, Status = RunStatus.Running, CreatedAt = DateTime.UtcNow };
        using (var ctx = _db.CreateContext())
        {
            ctx.Runs.Add(run);
            ctx.SaveChanges();
        }
        var runConfig = RunConfig.Parse(algorithm, JsonNode.Parse(config)!.AsObject());
        var dataset = new Dataset { Name = "d", Kind = "prompt_completion", Source = source, RowCount = rows.Count };
        var plan = new RunPlan(run, runConfig, dataset, rows, baseDir, rewardDir);
        TrainResult result;
        var recorder = new RunRecorder(run.Id, _db.ConnectionString, new RunsNotifier(), runConfig);
        try { result = new RunExecutor(_db.Directory).Execute(plan, recorder, CancellationToken.None); }
        finally { recorder.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        Assert.False(result.Cancelled);
        using var read = _db.CreateContext();
        var samples = read.RunSamples.Where(s => s.RunId == run.Id).OrderBy(s => s.Id).ToList();
        Assert.NotEmpty(samples);
        return (samples, result.LastCheckpoint!);
    }

    private (List<RunSample> Samples, string Checkpoint) SftFromScratch() =>
        Execute("sft", """{"max_steps": 2, "batch_size": 4, "save_every": 2, "max_length": 32}""", Arithmetic(completions: true), "builtin:arithmetic/sft");

    /// <summary>A reward checkpoint over <paramref name="baseDir"/>'s trunk whose head ignores it: every score is <see cref="ConstantReward"/>.</summary>
    private string ConstantRewardModel(string baseDir)
    {
        var (cfg, lm) = Checkpoint.Load(baseDir);
        var rm = new ParameterTensors(cfg with { ScalarHead = true });
        lm.Data.AsSpan().CopyTo(rm.Data); // the LM tensors are a prefix of the scalar-head layout
        rm.HeadW.Clear();
        rm.HeadB[0] = ConstantReward;
        string dir = Path.Combine(_db.Directory, "constant-rm");
        Checkpoint.Save(dir, rm);
        TokenizerFiles.Save(TokenizerFiles.Load(baseDir), dir);
        return dir;
    }

    [Fact]
    public void Sft_FromScratch_StoresNoKl_AndThePacksRewardForRowsWithTheirAnswer()
    {
        var (samples, _) = SftFromScratch();
        Assert.All(samples, s => Assert.Null(s.Kl));
        Assert.All(samples, s => Assert.Contains(s.Reward, new double?[] { 0.0, 1.0 }));
        Assert.All(samples, s => Assert.Equal(s.Completion.Length, s.Length));
    }

    [Fact]
    public void Sft_FromABaseCheckpoint_StoresTheKlToTheBase()
    {
        var (_, baseDir) = SftFromScratch();
        var (samples, _) = Execute("sft", """{"max_steps": 2, "batch_size": 4, "save_every": 2, "max_length": 32, "learning_rate": 0.01}""",
            Arithmetic(completions: true), "import:test", baseDir);
        Assert.All(samples, s => Assert.True(s.Kl is double k && double.IsFinite(k), $"KL {s.Kl} of '{s.Completion}'"));
        // Against a reference that moved with the policy (they share the base's block) every KL would be exactly 0.
        Assert.Contains(samples, s => s.Kl != 0);
        Assert.All(samples, s => Assert.Null(s.Reward)); // an imported dataset has no programmatic reward
    }

    [Fact]
    public void Ppo_WithARewardModel_StoresTheModelsScore_NotThePacks()
    {
        var (_, baseDir) = SftFromScratch();
        var (samples, _) = Execute("ppo", """{"max_steps": 2, "batch_size": 2, "num_ppo_epochs": 1, "max_completion_length": 4, "save_every": 2}""",
            Arithmetic(completions: false), "builtin:arithmetic/prompts", baseDir, ConstantRewardModel(baseDir));
        Assert.All(samples, s => Assert.Equal(ConstantReward, s.Reward!.Value, 5));
        Assert.All(samples, s => Assert.NotNull(s.Kl));
    }

    [Fact]
    public void Grpo_WithAPackAndARewardModel_StoresTheirSum_AsGrpoOptimizesIt()
    {
        var (_, baseDir) = SftFromScratch();
        var (samples, _) = Execute("grpo", """{"max_steps": 2, "batch_size": 1, "num_generations": 2, "max_completion_length": 4, "save_every": 2}""",
            Arithmetic(completions: false), "builtin:arithmetic/prompts", baseDir, ConstantRewardModel(baseDir));
        Assert.All(samples, s => Assert.True(s.Reward is double r && (Math.Abs(r - ConstantReward) < 1e-5 || Math.Abs(r - 1 - ConstantReward) < 1e-5),
            $"reward {s.Reward} of '{s.Completion}' is neither the reward model's score nor it plus the pack's 1"));
        Assert.All(samples, s => Assert.NotNull(s.Kl));
    }
}

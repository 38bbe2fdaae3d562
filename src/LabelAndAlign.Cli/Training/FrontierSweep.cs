using System.Globalization;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Training;

/// <summary>One judged checkpoint of the sweep: which method and setting, its step, and the oracle's judgement.</summary>
public sealed record FrontierCheckpoint(Algorithm Algorithm, string Setting, int Step, Judgement Judgement);

/// <summary>
/// The DPO paper's Fig. 2 on a task pack: from one SFT start, DPO at several β (offline, on oracle pairs of SFT samples,
/// as the paper trains it) and PPO at several KL coefficients (against a reward model trained on the same pairs), each
/// for an equal share of the budget with checkpoints along the way; every checkpoint judged by the pack's oracle on the
/// same held-out prompts (<see cref="CheckpointJudge"/>: mean reward, mean sequence KL to the SFT model, win rate
/// against it), and the two methods' reward–KL frontiers compared (<see cref="RewardKlFrontier"/>).
/// </summary>
public sealed class FrontierSweep(ITaskPack pack, int seed, double minutes, TextWriter log)
{
    /// <summary>DPO's β values by default; the paper sweeps β ∈ {0.05, 0.1, 1, 5}, and a tiny model needs a firmer tie (see AlignEval.DpoBeta).</summary>
    public static IReadOnlyList<double> DefaultBetas { get; } = [0.1, 0.25, 0.5, 1, 2];

    /// <summary>PPO's KL coefficients by default (TRL's 0.05 among them).</summary>
    public static IReadOnlyList<float> DefaultKlCoefs { get; } = [0.01f, 0.03f, 0.05f, 0.1f, 0.3f];

    public IReadOnlyList<double> Betas { get; init; } = DefaultBetas;
    public IReadOnlyList<float> KlCoefs { get; init; } = DefaultKlCoefs;

    /// <summary>Checkpoints judged per setting at most, spread evenly over its steps (the last always).</summary>
    public int CheckpointsPerSetting { get; init; } = 6;

    public int HeldOutPrompts { get; init; } = 200;

    /// <summary>Where each run's folder goes; null = a temporary folder, deleted after.</summary>
    public string? Output { get; init; }

    /// <summary>Scale every stage down (tests); 1 = the full run.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Share of each setting's time spent training; the rest is kept for judging its checkpoints.</summary>
    private const double TrainShare = 0.75;

    public sealed record Result(IReadOnlyList<FrontierCheckpoint> Checkpoints, FrontierComparison Comparison, (double Mean, double StdErr) StartReward);

    public Result Run(CancellationToken cancel = default)
    {
        string work = Output ?? Directory.CreateTempSubdirectory("lna-frontier-").FullName;
        try
        {
            return Run(new PackStages(pack, seed, work, log) { Scale = Scale }, cancel);
        }
        finally
        {
            if (Output is null) Directory.Delete(work, recursive: true);
        }
    }

    private Result Run(PackStages stages, CancellationToken cancel)
    {
        var sft = stages.Sft(null, null, cancel);
        var heldOut = pack.HeldOutPrompts(seed, stages.S(HeldOutPrompts));
        var pairs = stages.OraclePairs(sft);
        var (rm, _) = stages.RewardModel(sft, pairs, heldOut, cancel);
        var judge = new CheckpointJudge(new PackJudge(pack), sft.Weights, sft.Tokenizer, heldOut, seed + 7, pack.MaxCompletionTokens);
        var pairRows = pairs.Select(PackRows.Row).ToList();
        var promptRows = PackRows.Prompts(pack, seed, stages.S(2000));

        var settings = Betas.Select(b => (Algorithm.Dpo, Name: $"beta:{Num(b)}", Spec: stages.Spec(
                new DpoOptions { Beta = b, RpoAlpha = 1 },
                new TrainerOptions { MaxSteps = RunKeys.MaxCount, BatchSize = 32, LearningRate = 1e-3f, WarmupSteps = 10, LrSchedulerType = LrSchedulerType.Constant },
                saveSteps: 10)))
            .Concat(KlCoefs.Select(k => (Algorithm.Ppo, Name: $"kl_coef:{Num(k)}", Spec: stages.Spec(
                new PpoOptions { MaxCompletionLength = pack.MaxCompletionTokens, KlCoef = k, Temperature = 1f },
                new TrainerOptions { MaxSteps = RunKeys.MaxCount, BatchSize = 32, LearningRate = 5e-4f, WarmupSteps = 5, LrSchedulerType = LrSchedulerType.Constant },
                saveSteps: 5))))
            .ToList();

        var judged = new List<FrontierCheckpoint>();
        for (int i = 0; i < settings.Count; i++)
        {
            var (algorithm, name, spec) = settings[i];
            // Each remaining setting gets an equal share of what is left; a share is trained, then its checkpoints judged.
            double share = (minutes * 60 - stages.Clock.Elapsed.TotalSeconds) / (settings.Count - i);
            var run = TrainFor(stages, algorithm, name, spec, algorithm == Algorithm.Dpo ? pairRows : promptRows, sft.Checkpoint,
                algorithm == Algorithm.Ppo ? rm : null, share * TrainShare, cancel);
            foreach (var (step, dir) in Pick(run.Folder))
            {
                var point = new FrontierCheckpoint(algorithm, name, step, judge.Judge(Checkpoint.Load(dir).Parameters));
                judged.Add(point);
                log.WriteLine(Line(point));
                log.Flush();
            }
        }
        var comparison = RewardKlFrontier.Compare("dpo", Points(judged, Algorithm.Dpo), "ppo", Points(judged, Algorithm.Ppo));
        return new Result(judged, comparison, judge.StartReward);
    }

    private static PackStages.Stage TrainFor(PackStages stages, Algorithm algorithm, string name, RunSpec spec, List<System.Text.Json.Nodes.JsonObject> rows,
        string sft, string? rm, double seconds, CancellationToken cancel)
    {
        using var budget = PackStages.Budget(seconds, cancel);
        var stage = stages.Train($"{algorithm.WireName()}-{name.Replace(':', '-')}", spec, rows, sft, rm, budget.Token);
        cancel.ThrowIfCancellationRequested();
        return stage;
    }

    /// <summary>Up to <see cref="CheckpointsPerSetting"/> of a run's checkpoints, evenly spread, the last always, in step order.</summary>
    private List<(int Step, string Dir)> Pick(string folder)
    {
        var all = Directory.GetDirectories(folder, Trainer.CheckpointPrefix + "*")
            .Select(d => (Step: int.Parse(Path.GetFileName(d)[Trainer.CheckpointPrefix.Length..], CultureInfo.InvariantCulture), Dir: d))
            .OrderBy(c => c.Step).ToList();
        if (all.Count <= CheckpointsPerSetting) return all;
        return Enumerable.Range(1, CheckpointsPerSetting).Select(k => all[(int)Math.Round((double)k * all.Count / CheckpointsPerSetting) - 1]).Distinct().ToList();
    }

    public static IEnumerable<FrontierPoint> Points(IEnumerable<FrontierCheckpoint> checkpoints, Algorithm algorithm) =>
        checkpoints.Where(c => c.Algorithm == algorithm).Select(c => new FrontierPoint(c.Judgement.Kl, c.Judgement.Reward));

    /// <summary>The contract line of one checkpoint: <c>algorithm= setting= step= kl= reward= winrate=</c>.</summary>
    public static string Line(FrontierCheckpoint c) =>
        $"algorithm={c.Algorithm.WireName()} setting={c.Setting} step={c.Step} kl={Num(c.Judgement.Kl)} reward={Num(c.Judgement.Reward)} winrate={Num(c.Judgement.WinRate.Rate)}";

    /// <summary>The contract's last line: <c>frontier_dominates=&lt;dpo|ppo|neither&gt; area_dpo= area_ppo=</c>.</summary>
    public static string Summary(FrontierComparison c) =>
        $"frontier_dominates={c.Dominant ?? "neither"} area_dpo={Num(c.AreaFirst)} area_ppo={Num(c.AreaSecond)}";

    public static string Num(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}

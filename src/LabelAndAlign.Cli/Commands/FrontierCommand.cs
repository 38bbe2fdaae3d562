using LabelAndAlign.Cli.Training;
using LabelAndAlign.Engine.TaskPacks;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna frontier --pack &lt;sentiment|arithmetic&gt; [--minutes 10 --seed 1 --figure frontier.svg]</c>: DPO at several β
/// and PPO at several KL coefficients from one SFT start, within the budget (<see cref="FrontierSweep"/>). Prints one
/// line per judged checkpoint, <c>algorithm= setting= step= kl= reward= winrate=</c> (the pack's oracle on held-out
/// prompts: mean reward, mean sequence KL to the SFT model, win rate against it with ties as half), writes the figure
/// (SVG) and ends with <c>frontier_dominates=&lt;dpo|ppo|neither&gt; area_dpo= area_ppo=</c>: the area under each
/// method's upper frontier over the KL range both reach, and which frontier is nowhere below the other's there.
/// Also: --betas and --kl-coefs (comma-separated settings), --checkpoints (judged per setting), --scale (tests),
/// --output (keeps every run's folder).
/// </summary>
public sealed class FrontierCommand : ICliCommand
{
    public string Name => "frontier";
    public string Summary => "Reward–KL frontier of DPO (several β) against PPO (several KL coefficients) on a task pack (--pack --minutes --seed)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string packName = args.Required("pack");
        double minutes = args.Float("minutes", 10);
        int seed = args.Int("seed", 1);
        double scale = args.Float("scale", 1);
        string? output = args.String("output");
        string figure = args.String("figure") ?? $"frontier-{packName.ToLowerInvariant()}-seed{seed}.svg";
        var betas = List(args.String("betas"), "--betas");
        var klCoefs = List(args.String("kl-coefs"), "--kl-coefs");
        int checkpoints = args.Int("checkpoints", 6);
        args.RejectUnknown();
        if (!(minutes > 0)) throw new CliUsageException($"--minutes must be positive, found {minutes}.");
        if (!(scale > 0 && scale <= 1)) throw new CliUsageException($"--scale must be in (0, 1], found {scale}.");
        if (checkpoints < 1) throw new CliUsageException($"--checkpoints must be at least 1, found {checkpoints}.");
        ITaskPack pack;
        try { pack = TaskPackRegistry.Get(packName); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message); }

        var sweep = new FrontierSweep(pack, seed, minutes, stdout)
        {
            Scale = scale, Output = output is null ? null : Path.GetFullPath(output), CheckpointsPerSetting = checkpoints,
            Betas = betas ?? FrontierSweep.DefaultBetas,
            KlCoefs = klCoefs?.Select(k => (float)k).ToList() ?? FrontierSweep.DefaultKlCoefs,
        };
        var result = sweep.Run(cancel);
        string path = Path.GetFullPath(figure);
        File.WriteAllText(path, FrontierSvg.Render($"Reward vs KL — {pack.Name} pack, seed {seed}, {FrontierSweep.Num(minutes)} min", result.Checkpoints,
            result.StartReward, result.Comparison));
        stdout.WriteLine($"sft_reward={FrontierSweep.Num(result.StartReward.Mean)} common_kl={FrontierSweep.Num(result.Comparison.KlLow)}-{FrontierSweep.Num(result.Comparison.KlHigh)}");
        stdout.WriteLine($"figure={path}");
        stdout.WriteLine(FrontierSweep.Summary(result.Comparison));
        return Task.FromResult(0);
    }

    private static List<double>? List(string? text, string option)
    {
        if (text is null) return null;
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || !(v > 0))
                throw new CliUsageException($"{option} takes positive numbers separated by commas, found '{part}'.");
            values.Add(v);
        }
        if (values.Count == 0) throw new CliUsageException($"{option} needs at least one value.");
        return values;
    }
}

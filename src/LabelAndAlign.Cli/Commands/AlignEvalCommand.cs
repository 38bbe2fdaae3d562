using LabelAndAlign.Cli.Training;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna align-eval --pack &lt;arithmetic|sentiment&gt; --algorithm &lt;dpo|ppo|grpo&gt; [--minutes 10 --seed 1]</c>:
/// SFT → align until the budget is spent (online DPO labelled by the oracle as it samples; PPO on a reward model of oracle
/// pairs; GRPO on the pack's reward) → oracle judgement on held-out prompts, each stage a run of the one recipe.
/// Prints <c>sft_accuracy=…</c> (arithmetic), <c>rm_heldout_accuracy=…</c> (PPO), <c>kl=…</c> and, last,
/// <c>oracle_winrate_after=&lt;fraction&gt;</c> (wins + ½ ties of the aligned policy's sample against the SFT policy's,
/// both at temperature 1, over held-out prompts). Tuning knobs for experiments: --sft-steps --sft-examples --steps (a cap
/// on the alignment steps) --lr --beta --rpo-alpha --loss-type --offline (DPO on fixed oracle pairs of SFT samples)
/// --kl-limit (online DPO stops once objective/kl passes it; default 5, 0 = none)
/// --kl-coef --temperature, --scale (shrinks every stage, for tests) and --output (keeps each stage's run folder:
/// checkpoints, metrics.jsonl, samples.jsonl).
/// </summary>
public sealed class AlignEvalCommand : ICliCommand
{
    public string Name => "align-eval";
    public string Summary => "SFT, label with an oracle, align (dpo|ppo|grpo) and judge on a built-in task pack (--pack --algorithm --minutes --seed)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string packName = args.Required("pack");
        string algorithmName = args.Required("algorithm");
        double minutes = args.Float("minutes", 10);
        int seed = args.Int("seed", 1);
        double scale = args.Float("scale", 1);
        string? output = args.String("output");
        int? sftSteps = args.Has("sft-steps") ? args.Int("sft-steps", 0) : null;
        int? sftExamples = args.Has("sft-examples") ? args.Int("sft-examples", 0) : null;
        float? lr = args.Has("lr") ? args.Float("lr", 0) : null;
        int? steps = args.Has("steps") ? args.Int("steps", 0) : null;
        double beta = args.Float("beta", 0.5f);
        double rpo = args.Float("rpo-alpha", 1f);
        string lossType = args.String("loss-type") ?? "sigmoid";
        float klCoef = args.Float("kl-coef", 0.05f);
        float temperature = args.Float("temperature", 1f);
        bool offline = args.Flag("offline");
        double? klLimit = args.Has("kl-limit") ? args.Float("kl-limit", 5) : 5;
        args.RejectUnknown();
        var algorithm = Algorithms.TryParse(algorithmName);
        if (algorithm is not (Algorithm.Dpo or Algorithm.Ppo or Algorithm.Grpo))
            throw new CliUsageException($"--algorithm must be dpo, ppo or grpo, found '{algorithmName}'.");
        if (!(minutes > 0)) throw new CliUsageException($"--minutes must be positive, found {minutes}.");
        if (!(scale > 0 && scale <= 1)) throw new CliUsageException($"--scale must be in (0, 1], found {scale}.");
        ITaskPack pack;
        DpoLossType loss;
        try
        {
            pack = TaskPackRegistry.Get(packName);
            loss = DpoLoss.Parse(lossType);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        new AlignEval(pack, algorithm.Value, seed, minutes, stdout)
        {
            Scale = scale, Output = output is null ? null : Path.GetFullPath(output), SftSteps = sftSteps, SftExamples = sftExamples, AlignLearningRate = lr,
            AlignSteps = steps, DpoBeta = beta, RpoAlpha = rpo, DpoLossType = loss, DpoOnline = !offline, DpoKlLimit = klLimit > 0 ? klLimit : null, PpoKlCoef = klCoef, PpoTemperature = temperature,
        }.Run(cancel);
        return Task.FromResult(0);
    }
}

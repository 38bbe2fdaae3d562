using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Engine.Rl.CartPole;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna cartpole</c>: PPO on CartPole-v1 with the engine's RL core (GAE, whitening, clipped
/// losses), the proof that the core is right. Prints a progress line every few updates, then the
/// greedy policy's average over 100 fresh episodes, the wall time, and last
/// <c>avg_return_last_100=&lt;n&gt;</c>: the mean return of the last 100 training episodes
/// (sampled actions). Solved means ≥ 475.
/// </summary>
public sealed class CartPoleCommand : ICliCommand
{
    public string Name => "cartpole";
    public string Summary => "train PPO on CartPole-v1 and print avg_return_last_100 (--steps 100000 --seed 1)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        int steps = args.Int("steps", 100_000);
        int seed = args.Int("seed", 1);
        args.RejectUnknown();
        if (steps <= 0) throw new CliUsageException($"--steps must be positive, found {steps}.");

        var options = new CartPolePpoOptions { TotalSteps = steps, Seed = seed };
        var ppo = new CartPolePpo(options);
        var inv = CultureInfo.InvariantCulture;
        var sw = Stopwatch.StartNew();
        stdout.WriteLine($"cartpole ppo: steps={steps} seed={seed} envs={options.Envs}x{options.StepsPerEnv} epochs={options.Epochs} minibatch={options.MinibatchSize} lr={options.LearningRate.ToString(inv)}");
        var result = ppo.Train(p =>
        {
            if (p.Update % 10 != 0 && p.Update != p.Updates) return;
            stdout.WriteLine(string.Create(inv,
                $"update={p.Update}/{p.Updates} steps={p.Steps} episodes={p.Episodes} return_mean_100={p.AvgReturnLast100:F1} " +
                $"loss/policy={p.PolicyLoss:F4} loss/value={p.ValueLoss:F3} entropy={p.Entropy:F3} approxkl={p.ApproxKl:F5} clipfrac={p.ClipFrac:F3} lr={p.LearningRate:G3} time={sw.Elapsed.TotalSeconds:F1}s"));
        }, cancel);
        float greedy = ppo.EvaluateGreedy(100, seed + 1_000_003);
        stdout.WriteLine(string.Create(inv, $"episodes={result.Episodes} steps={result.Steps} greedy_eval_avg_return_100={greedy:F1} wall_seconds={sw.Elapsed.TotalSeconds:F1}"));
        stdout.WriteLine(string.Create(inv, $"avg_return_last_100={result.AvgReturnLast100:F1}"));
        return Task.FromResult(0);
    }
}

using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Cli.Engines;
using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Native;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna bench train</c>: GPT training throughput on random data, side by side with
/// <c>shared/bench/torch_gpt_train.py</c> (same defaults, same step: forward + backward + AdamW,
/// 2 untimed warmup steps). Last line: <c>train_tokens_per_s=&lt;n&gt;</c>. <c>--engine torch</c> takes the
/// same step on libtorch (<c>--threads</c> intra-op threads; <c>gemm=libtorch</c> on the first line).
/// </summary>
public sealed class BenchTrainCommand : ICliCommand
{
    public string Name => "bench train";
    public string Summary => "time GPT training steps on random data (--vocab --ctx --d --layers --heads --batch --steps --threads --gemm split|openblas --blas-threads --engine native|torch --device)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        int vocab = Positive(args, "vocab", 2048);
        int ctx = Positive(args, "ctx", 128);
        int d = Positive(args, "d", 256);
        int layers = Positive(args, "layers", 4);
        int heads = Positive(args, "heads", 4);
        int batch = Positive(args, "batch", 8);
        int steps = Positive(args, "steps", 10);
        // Workers per kernel; GEMMs are split over them (single-threaded OpenBLAS inside) unless
        // --gemm openblas, which hands each GEMM to OpenBLAS's own --blas-threads threads instead.
        int threads = Positive(args, "threads", Environment.ProcessorCount);
        var engine = EngineOption.Read(args);
        if (engine.Engine == EngineKind.Torch && (args.Has("gemm") || args.Has("blas-threads")))
            throw new CliUsageException("--gemm and --blas-threads choose the native engine's kernels; with --engine torch, libtorch runs the GEMMs on --threads threads.");
        string gemm = args.String("gemm") ?? "split";
        int blasThreads = Positive(args, "blas-threads", Environment.ProcessorCount);
        int seed = args.Int("seed", 0);
        args.RejectUnknown();
        if (d % heads != 0) throw new CliUsageException($"--d ({d}) must be a multiple of --heads ({heads}).");

        var config = new GptConfig { VocabSize = vocab, BlockSize = ctx, Channels = d, Layers = layers, Heads = heads };
        if (gemm is not ("split" or "openblas")) throw new CliUsageException($"--gemm must be split or openblas, found '{gemm}'.");
        var rng = new Random(seed);
        var tokens = new int[batch * ctx];
        var targets = new int[batch * ctx];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.Next(vocab);
            targets[i] = rng.Next(vocab);
        }

        float loss = 0;
        long parameterCount;
        Action step;
        IDisposable? owned = null;
        if (engine.Engine == EngineKind.Torch)
        {
            gemm = "libtorch";
            var torchStep = new TorchBench.TrainStep(TorchBench.Model(config, engine.Device, threads, seed), tokens, targets, batch, ctx);
            owned = torchStep;
            parameterCount = torchStep.Parameters;
            step = () => loss = torchStep.Run();
        }
        else
        {
            KernelThreads.Workers = threads;
            KernelThreads.SplitGemms = gemm == "split";
            Blas.SetThreads(gemm == "split" ? 1 : blasThreads);
            var model = new Gpt(config, seed);
            var opt = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 3e-4f }); // torch.optim.AdamW(lr=3e-4) defaults
            parameterCount = model.Parameters.Count;
            step = () =>
            {
                loss = model.Forward(tokens, targets, batch, ctx);
                model.ZeroGrad();
                model.Backward();
                opt.Step(model.Gradients);
            };
        }
        using var _ = owned;

        for (int i = 0; i < 2; i++) step();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            cancel.ThrowIfCancellationRequested();
            step();
        }
        double dt = sw.Elapsed.TotalSeconds / steps;
        double allocKb = (GC.GetTotalAllocatedBytes(precise: true) - alloc0) / 1024.0 / steps;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / steps;
        double tokPerS = batch * ctx / dt;
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(inv, $"params={parameterCount} batch={batch} ctx={ctx} threads={threads} gemm={gemm}{(gemm == "openblas" ? $" blas_threads={blasThreads}" : "")} cores={Environment.ProcessorCount} loss={loss:F4}"));
        stdout.WriteLine(string.Create(inv, $"train_step_s={dt:F4} cpu_s_per_step={cpu:F4} managed_alloc_kb_per_step={allocKb:F1}"));
        stdout.WriteLine(string.Create(inv, $"peak_rss_mb={PeakRssMb():F1}"));
        stdout.WriteLine(string.Create(inv, $"train_tokens_per_s={tokPerS:F0}"));
        return Task.FromResult(0);
    }

    private static int Positive(CliArgs args, string name, int fallback)
    {
        int v = args.Int(name, fallback);
        return v > 0 ? v : throw new CliUsageException($"--{name} must be positive, found {v}.");
    }

    /// <summary>VmHWM from /proc/self/status (peak resident set), in MiB; NaN where there is no procfs.</summary>
    private static double PeakRssMb()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return double.NaN;
    }
}

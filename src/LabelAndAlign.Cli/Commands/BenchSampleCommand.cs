using System.Diagnostics;
using LabelAndAlign.Cli.Engines;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Torch.Inference;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna bench sample</c>: KV-cache sampling throughput on random weights, measured the way
/// <c>shared/bench/torch_gpt_sample.py</c> does — a 16-token random prompt, <c>--new</c> tokens
/// sampled from the full softmax (temperature 1, no top-k/top-p, no EOS), one untimed warm-up
/// generation, then one timed generation (prompt creation, prefill and every decode step) — for
/// batch 1 and batch 16. Prints <c>batch=B sample_new_tokens_per_s=N</c>. <c>--engine torch</c> runs the
/// forward passes on libtorch (same sampler, same lines).
/// </summary>
public sealed class BenchSampleCommand : ICliCommand
{
    private const int PromptLength = 16;

    public string Name => "bench sample";
    public string Summary => "measure sampling throughput (new tokens/s) at batch 1 and 16 on random weights (--engine native|torch, --device)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        int vocab = args.Int("vocab", 2048), ctx = args.Int("ctx", 256), d = args.Int("d", 256);
        int layers = args.Int("layers", 4), heads = args.Int("heads", 4), newTokens = args.Int("new", 128);
        int threads = args.Int("threads", Environment.ProcessorCount);
        var engine = EngineOption.Read(args);
        args.RejectUnknown();
        if (newTokens < 1) throw new CliUsageException($"--new must be at least 1, found {newTokens}.");
        if (threads < 1) throw new CliUsageException($"--threads must be at least 1, found {threads}.");
        if (PromptLength + newTokens > ctx)
            throw new CliUsageException($"--ctx {ctx} cannot hold the {PromptLength}-token prompt plus --new {newTokens} tokens.");
        var config = new GptConfig { VocabSize = vocab, BlockSize = ctx, Channels = d, Layers = layers, Heads = heads };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }

        using var torchModel = engine.Engine == EngineKind.Torch ? TorchBench.Model(config, engine.Device, threads, seed: 0) : null;
        using var team = threads == Environment.ProcessorCount ? null : new ComputeTeam(threads);
        var sampler = torchModel is not null
            ? TorchDecoder.Sampler(torchModel)
            : new Sampler(new InferenceModel(RandomParameters(config, seed: 0)), team);
        var options = new SamplingOptions { MaxNewTokens = newTokens, Temperature = 1f, Seed = 0 };
        var rng = new Random(0);
        foreach (int batch in new[] { 1, 16 })
        {
            Generate(sampler, batch, vocab, rng, options, cancel);
            long start = Stopwatch.GetTimestamp();
            int produced = Generate(sampler, batch, vocab, rng, options, cancel);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            stdout.WriteLine($"batch={batch} sample_new_tokens_per_s={produced / seconds:F0}");
        }
        return Task.FromResult(0);
    }

    private static int Generate(Sampler sampler, int batch, int vocab, Random rng, SamplingOptions options, CancellationToken cancel)
    {
        var prompts = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            prompts[b] = new int[PromptLength];
            for (int t = 0; t < PromptLength; t++) prompts[b][t] = rng.Next(vocab);
        }
        var result = sampler.Generate(prompts, options, cancel);
        return result.Tokens.Sum(t => t.Length);
    }

    /// <summary>PyTorch's default initialisation, roughly: N(0, 1) embeddings, U(±1/√in) linears, unit LayerNorms.</summary>
    internal static ParameterTensors RandomParameters(GptConfig config, int seed)
    {
        var p = new ParameterTensors(config);
        var rng = new Random(seed);
        int c = config.Channels;
        void Uniform(Span<float> s, float bound)
        {
            for (int i = 0; i < s.Length; i++) s[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        }
        void Normal(Span<float> s)
        {
            for (int i = 0; i < s.Length; i++)
                s[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }
        Normal(p.Wte);
        Normal(p.Wpe);
        p.Ln1W.Fill(1f);
        p.Ln2W.Fill(1f);
        p.LnfW.Fill(1f);
        float inv = 1f / MathF.Sqrt(c), inv4 = 1f / MathF.Sqrt(4 * c);
        Uniform(p.QkvW, inv); Uniform(p.QkvB, inv);
        Uniform(p.AttProjW, inv); Uniform(p.AttProjB, inv);
        Uniform(p.FcW, inv); Uniform(p.FcB, inv);
        Uniform(p.FcProjW, inv4); Uniform(p.FcProjB, inv4);
        return p;
    }
}

using System.Globalization;
using System.Text;
using LabelAndAlign.Cli.Engines;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Torch;
using LabelAndAlign.Torch.Model;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna logits --model &lt;dir&gt; --tokens 1,2,3</c>: the logits at every position as one JSON
/// array of T arrays of V numbers, each printed shortest-round-trip so they parse back bit-exact.
/// <c>--engine torch</c> computes them with libtorch instead (same JSON).
/// </summary>
public sealed class LogitsCommand : ICliCommand
{
    public string Name => "logits";
    public string Summary => "print position-by-position logits (JSON, T × vocab) for a token list (--engine native|torch, --device auto|cpu|cuda)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string dir = args.Required("model");
        string list = args.Required("tokens");
        var engine = EngineOption.Read(args);
        args.RejectUnknown();
        var tokens = ParseTokens(list);
        var (config, parameters) = Checkpoint.Load(dir);
        foreach (int t in tokens)
            if ((uint)t >= (uint)config.VocabSize)
                throw new CliUsageException($"--tokens: id {t} is outside the model's vocabulary [0, {config.VocabSize}).");
        if (tokens.Length > config.BlockSize)
            throw new CliUsageException($"--tokens: {tokens.Length} tokens exceed the model's block size {config.BlockSize}.");
        var logits = engine.Engine == EngineKind.Torch
            ? TorchLogits(parameters, tokens, engine.Device)
            : new LogProbs(new InferenceModel(parameters)).Logits(tokens);
        WriteJson(stdout, logits, tokens.Length, config.VocabSize);
        return Task.FromResult(0);
    }

    private static float[] TorchLogits(ParameterTensors parameters, int[] tokens, DeviceChoice device)
    {
        using var model = new TorchGpt(parameters.Config, TorchRuntime.ResolveDevice(device));
        model.Parameters.Load(parameters);
        return model.Logits(tokens);
    }

    internal static int[] ParseTokens(string list)
    {
        var parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new CliUsageException("--tokens needs at least one id, e.g. --tokens 1,2,3.");
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]))
                throw new CliUsageException($"--tokens must be comma-separated whole numbers, found '{parts[i]}'.");
        return ids;
    }

    private static void WriteJson(TextWriter w, float[] logits, int t, int v)
    {
        var sb = new StringBuilder(v * 12);
        w.Write('[');
        for (int i = 0; i < t; i++)
        {
            sb.Clear();
            if (i > 0) sb.Append(',');
            sb.Append('[');
            for (int j = 0; j < v; j++)
            {
                if (j > 0) sb.Append(',');
                sb.Append(logits[i * v + j].ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append(']');
            w.Write(sb);
        }
        w.WriteLine(']');
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Cli.Training;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna train --config &lt;file.yaml&gt; [--resume]</c>: any algorithm headless, through the same recipe as the web app
/// (<see cref="RunFactory"/>). Writes <c>checkpoint-&lt;step&gt;/</c> (weights, optimizer, trainer state, tokenizer),
/// <c>metrics.jsonl</c> and <c>samples.jsonl</c> into <c>output_dir</c>. Ctrl+C stops promptly and saves;
/// <c>--resume</c> continues from the newest checkpoint exactly where it stopped.
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";
    public string Summary => "train with a YAML config: sft, reward, dpo, ppo or grpo (--config file.yaml [--resume])";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string configPath = args.Required("config");
        bool resume = args.Flag("resume");
        args.RejectUnknown();
        var factory = CliBackends.Factory;
        var file = TrainFile.Load(configPath, factory.Backends);
        string output = file.OutputDir;
        string? latest = Trainer.LatestCheckpoint(output);
        if (resume && latest is null) throw new CliUsageException($"--resume: no checkpoint in {output} to resume from.");
        if (!resume && latest is not null)
            throw new CliUsageException($"{output} already holds {Path.GetFileName(latest)}; pass --resume to continue it, or choose another output_dir.");
        Directory.CreateDirectory(output);

        var inputs = Inputs(file, output);
        using var reporter = new JsonlRunReporter(output);
        using var run = factory.Prepare(inputs, reporter, cancel);
        if (run.Inner.ResumedFrom is { } from) stdout.WriteLine($"resumed from {from} at step {run.Inner.StartStep}");
        stdout.WriteLine($"algorithm={file.Spec.Algorithm.WireName()} engine={Wire(run.Engine)} device={Wire(run.Device)} examples={run.Inner.ExampleCount} params={run.Inner.ParameterCount} output={output}");
        var outcome = run.Run(cancel);
        var result = outcome.Result;
        foreach (var (name, value) in result.LastMetrics.OrderBy(k => k.Key, StringComparer.Ordinal))
            stdout.WriteLine($"{name}={value.ToString("0.######", CultureInfo.InvariantCulture)}");
        if (outcome.Alert is { } alert)
        {
            stdout.WriteLine($"{alert} Saved {result.LastCheckpoint}.");
            return Task.FromResult(1);
        }
        if (result.Cancelled)
        {
            stdout.WriteLine($"stopped at step {result.Step}; saved {result.LastCheckpoint}; run again with --resume to continue");
            return Task.FromResult(130);
        }
        stdout.WriteLine($"done: step {result.Step}, checkpoint {result.LastCheckpoint}");
        return Task.FromResult(0);
    }

    /// <summary>The file's data as dataset rows: the dataset file, or the pack's corpus, oracle-labelled pairs or prompts.</summary>
    private static RunInputs Inputs(TrainFile file, string output)
    {
        var spec = file.Spec;
        int seed = spec.Trainer.Seed;
        var pack = file.Pack is null ? null : TaskPackRegistry.Get(file.Pack);
        List<JsonObject> rows;
        string source;
        if (file.Dataset is not null)
        {
            rows = DatasetRows.ReadJsonl(file.Dataset);
            source = Path.GetFileName(file.Dataset);
        }
        else
        {
            rows = spec.Options switch
            {
                SftOptions => PackRows.Sft(pack!, seed, file.PackExamples),
                DpoOptions { Online: true } => PackRows.Prompts(pack!, seed, file.PackExamples), // the oracle labels the policy's own samples
                RewardOptions or DpoOptions => PackPairs(file, pack!).Select(PackRows.Row).ToList(),
                _ => PackRows.Prompts(pack!, seed, file.PackExamples),
            };
            source = $"the {pack!.Name} pack";
        }
        // A pack's own tokenizer when nothing else gives one: trained on its whole corpus, not just the examples drawn.
        bool packTokenizer = pack is not null && file.Tokenizer is null && file.InitFrom is null;
        return new RunInputs
        {
            Spec = spec, Rows = rows, Source = source, Pack = pack, BaseCheckpoint = file.InitFrom, ReferenceCheckpoint = file.Reference,
            RewardCheckpoint = file.RewardModel, Tokenizer = file.Tokenizer, OutputFolder = output,
            EvalPrompts = file.EvalPrompts?.Select(p => new PromptExample(p)).ToList() ?? pack?.HeldOutPrompts(seed, spec.NumEvalPrompts),
            TokenizerCorpus = packTokenizer ? () => [pack!.TokenizerCorpus(seed)] : null,
            TokenizerVocabSize = packTokenizer ? pack!.TokenizerVocabSize : null,
        };
    }

    /// <summary>
    /// Pairs the pack's oracle labels: two samples per prompt of the starting checkpoint, as a labeler would judge them,
    /// or with no checkpoint, two of the pack's corpus completions.
    /// </summary>
    private static List<PreferenceExample> PackPairs(TrainFile file, ITaskPack pack)
    {
        int seed = file.Spec.Trainer.Seed;
        var prompts = pack.Prompts(seed, file.PackExamples);
        if (file.InitFrom is not { } start) return OraclePairs.FromCorpus(pack, seed, prompts);
        var tokenizer = file.Tokenizer is { } t ? TokenizerFiles.Load(t) : TokenizerFiles.Load(start);
        var weights = Checkpoint.Load(start).Parameters;
        return OraclePairs.FromModel(pack, weights, tokenizer, prompts, seed + 11, out _);
    }

    private static string Wire<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}

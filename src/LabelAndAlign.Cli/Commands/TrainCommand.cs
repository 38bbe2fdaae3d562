using System.Globalization;
using LabelAndAlign.Cli.Training;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna train --config &lt;file.yaml&gt; [--resume]</c>: runs any algorithm headless. Writes
/// <c>checkpoint-&lt;step&gt;/</c> (weights, optimizer, trainer state, tokenizer), <c>metrics.jsonl</c> and
/// <c>samples.jsonl</c> into <c>output_dir</c>. Ctrl+C stops at the next step boundary and saves;
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
        var config = TrainConfig.Load(configPath);
        string output = config.OutputDir;
        string? latest = Trainer.LatestCheckpoint(output);
        if (resume && latest is null) throw new CliUsageException($"--resume: no checkpoint in {output} to resume from.");
        if (!resume && latest is not null)
            throw new CliUsageException($"{output} already holds {Path.GetFileName(latest)}; pass --resume to continue it, or choose another output_dir.");
        Directory.CreateDirectory(output);

        var pack = config.Pack is null ? null : TaskPackRegistry.Get(config.Pack);
        var tokenizer = LoadTokenizer(config, pack, output, resume ? latest : null);
        var start = StartingWeights(config, tokenizer);
        bool scalar = config.Algorithm == "reward";
        var shape = start.Config with { ScalarHead = scalar };
        var model = new Gpt(shape, config.Seed);
        AlignEval.CopyBody(start, model.Parameters);
        var reference = LoadOrSelf(config.Reference, start);
        var rewards = config.Algorithm is "ppo" or "grpo" ? Rewards(config, pack, tokenizer) : null;

        ITrainingAlgorithm algorithm = config.Algorithm switch
        {
            "sft" => new SftTrainer(SftData(config, pack, tokenizer), tokenizer.PadId, shape, config.Sft.ToOptions()),
            "reward" => new RewardTrainer(Pairs(config, pack, tokenizer, reference), tokenizer.PadId, shape, config.Reward.ToOptions()),
            "dpo" => new DpoTrainer(Pairs(config, pack, tokenizer, reference), reference, tokenizer.PadId, config.Dpo.ToOptions()),
            "ppo" => new PpoTrainer(Prompts(config, pack), tokenizer, rewards!.Single(), reference, config.Ppo.ToOptions(), config.Seed),
            "grpo" => new GrpoTrainer(Prompts(config, pack), tokenizer, rewards!, config.Grpo.Beta > 0 ? reference : null, config.Grpo.ToOptions(), config.Seed),
            _ => throw new CliUsageException($"Unknown algorithm '{config.Algorithm}'."),
        };

        var evalPrompts = config.EvalPrompts?.Select(p => new PromptExample(p)).ToList() ?? pack?.HeldOutPrompts(config.Seed, 4).ToList() ?? [];
        var evalIds = evalPrompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        int maxNew = pack?.MaxCompletionTokens ?? 32;
        var scorer = scalar || evalPrompts.Count == 0 ? null : Scorer(config, pack, reference, rewards);
        using var metrics = new JsonlMetricsSink(Path.Combine(output, "metrics.jsonl"));
        using var samples = new JsonlSamplesSink(Path.Combine(output, "samples.jsonl"));
        var trainer = new Trainer(model, algorithm, config.Training.ToOptions(config.Seed, output), metrics)
        {
            Samples = samples,
            SampleGenerator = scorer is null ? null : m =>
            {
                var s = AlignEval.Generate(m.Parameters, tokenizer, evalIds, 0f, config.Seed, maxNew);
                return scorer.Score(new InferenceModel(m.Parameters), evalPrompts, evalIds, s.Select(x => x.Ids).ToList(), s.Select(x => x.Text).ToList());
            },
            CheckpointSaved = dir => TokenizerFiles.Save(tokenizer, dir),
        };
        if (resume)
        {
            trainer.Resume(latest!);
            stdout.WriteLine($"resumed from {latest} at step {trainer.Step}");
        }
        stdout.WriteLine($"algorithm={config.Algorithm} examples={algorithm.ExampleCount} params={model.Parameters.Count} output={output}");
        var result = trainer.Run(cancel);
        foreach (var (name, value) in result.LastMetrics.OrderBy(k => k.Key, StringComparer.Ordinal))
            stdout.WriteLine($"{name}={value.ToString("0.######", CultureInfo.InvariantCulture)}");
        if (result.Cancelled)
        {
            stdout.WriteLine($"stopped at step {result.Step}; saved {result.LastCheckpoint}; run again with --resume to continue");
            return Task.FromResult(130);
        }
        stdout.WriteLine($"done: step {result.Step}, checkpoint {result.LastCheckpoint}");
        return Task.FromResult(0);
    }

    private static BpeTokenizer LoadTokenizer(TrainConfig config, ITaskPack? pack, string output, string? resumeFrom)
    {
        if (resumeFrom is not null && File.Exists(Path.Combine(resumeFrom, "tokenizer.json"))) return TokenizerFiles.Load(resumeFrom);
        if (config.Tokenizer is not null) return TokenizerFiles.Load(config.Tokenizer);
        if (config.InitFrom is not null && File.Exists(Path.Combine(config.InitFrom, "tokenizer.json"))) return TokenizerFiles.Load(config.InitFrom);
        if (pack is null) throw new CliUsageException("No tokenizer: set tokenizer (a folder) or use a pack.");
        var tok = BpeTrainer.Train(pack.TokenizerCorpus(config.Seed), new BpeTrainerOptions { VocabSize = pack.TokenizerVocabSize });
        TokenizerFiles.Save(tok, Path.Combine(output, "tokenizer"));
        return tok;
    }

    private static ParameterTensors StartingWeights(TrainConfig config, BpeTokenizer tokenizer)
    {
        if (config.InitFrom is not null)
        {
            var (cfg, p) = Checkpoint.Load(config.InitFrom);
            if (cfg.VocabSize < tokenizer.VocabSize)
                throw new InvalidDataException($"init_from {config.InitFrom} has a vocabulary of {cfg.VocabSize}; the tokenizer needs {tokenizer.VocabSize}.");
            if (!cfg.ScalarHead) return p;
            var lm = new ParameterTensors(cfg with { ScalarHead = false });
            AlignEval.CopyBody(p, lm);
            return lm;
        }
        return new Gpt(config.Model.Shape(tokenizer.VocabSize), config.Seed).Parameters;
    }

    /// <summary>
    /// What scores the evaluation samples: KL to the reference when the run has one (dpo, ppo, grpo; any run with
    /// <c>init_from</c> or <c>reference</c>; an SFT run from scratch has none), and the reward the run optimizes
    /// (ppo/grpo's reward function), else the pack's programmatic reward.
    /// </summary>
    private static SampleScorer Scorer(TrainConfig config, ITaskPack? pack, ParameterTensors reference, List<IRewardFunction>? rewards)
    {
        bool hasReference = config.Algorithm is "dpo" or "ppo" or "grpo" || config.InitFrom is not null || config.Reference is not null;
        // Without a reward model ppo/grpo optimize the pack's reward: the lenient one scores eval prompts that lack its fields.
        IReadOnlyList<IRewardFunction> sampleRewards = rewards is not null && config.RewardModel is not null ? rewards
            : pack is null ? [] : [SampleScorer.PackReward(pack)];
        var weights = config.Algorithm == "grpo" ? config.Grpo.ToOptions().RewardWeights : null;
        return new SampleScorer(hasReference ? reference : null, sampleRewards, weights);
    }

    private static ParameterTensors LoadOrSelf(string? dir, ParameterTensors start)
    {
        if (dir is null) return AlignEval.Copy(start);
        var (_, p) = Checkpoint.Load(dir);
        return p;
    }

    private static List<TokenizedPair> SftData(TrainConfig config, ITaskPack? pack, ITokenizer tokenizer)
    {
        var rows = config.Dataset is not null ? Datasets.LoadSft(config.Dataset) : pack!.SftCorpus(config.Seed, config.PackExamples).ToList();
        return rows.Select(r => ChatTemplate.Tokenize(tokenizer, r)).ToList();
    }

    private static List<TokenizedPreference> Pairs(TrainConfig config, ITaskPack? pack, ITokenizer tokenizer, ParameterTensors sampler)
    {
        if (config.Dataset is not null)
            return Datasets.LoadPreferences(config.Dataset).Select(p => new TokenizedPreference(
                ChatTemplate.EncodePrompt(tokenizer, p.Prompt), ChatTemplate.EncodeCompletion(tokenizer, p.Chosen),
                ChatTemplate.EncodeCompletion(tokenizer, p.Rejected), (float)p.Margin)).ToList();
        var prompts = pack!.Prompts(config.Seed, config.PackExamples);
        List<TokenizedPreference> pairs;
        if (config.InitFrom is not null)
        {
            // A pack labels pairs sampled from the starting model with its oracle, as a human labeler would.
            pairs = AlignEval.LabelPairs(pack, sampler, tokenizer, prompts, config.Seed + 11, out _);
        }
        else
        {
            // No trained model to sample from: the oracle labels pairs of completions written for the pack's corpus.
            var corpus = pack.SftCorpus(config.Seed + 5, 2 * prompts.Count);
            pairs = [];
            for (int i = 0; i < prompts.Count; i++)
            {
                string a = corpus[2 * i].Completion ?? "", b = corpus[2 * i + 1].Completion ?? "";
                var pref = pack.Prefer(prompts[i], a, b);
                if (pref == Preference.Tie) continue;
                var (chosen, rejected) = pref == Preference.First ? (a, b) : (b, a);
                pairs.Add(new TokenizedPreference(ChatTemplate.EncodePrompt(tokenizer, prompts[i].Prompt),
                    ChatTemplate.EncodeCompletion(tokenizer, chosen), ChatTemplate.EncodeCompletion(tokenizer, rejected)));
            }
        }
        if (pairs.Count == 0)
            throw new InvalidDataException($"The {pack.Name} oracle called every one of {prompts.Count} sampled pairs a tie; start from a trained model (init_from) or raise pack_examples.");
        return pairs;
    }

    private static IReadOnlyList<PromptExample> Prompts(TrainConfig config, ITaskPack? pack) =>
        config.Dataset is not null ? Datasets.LoadPrompts(config.Dataset) : pack!.Prompts(config.Seed, config.PackExamples);

    private static List<IRewardFunction> Rewards(TrainConfig config, ITaskPack? pack, ITokenizer tokenizer)
    {
        var list = new List<IRewardFunction>();
        if (config.RewardModel is not null)
        {
            var (cfg, p) = Checkpoint.Load(config.RewardModel);
            if (!cfg.ScalarHead) throw new InvalidDataException($"reward_model {config.RewardModel} has no scalar head; train one with algorithm: reward.");
            list.Add(new RewardModelFunction(new Gpt(p), tokenizer.PadId));
        }
        else if (pack is not null) list.Add(new FunctionReward(pack.Name, pack.Reward));
        if (list.Count == 0) throw new CliUsageException("ppo/grpo need a reward: set reward_model (a checkpoint) or use a pack.");
        return list;
    }
}

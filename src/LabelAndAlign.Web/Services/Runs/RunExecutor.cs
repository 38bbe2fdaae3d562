using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data.Runs;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>What the engine needs to build a run's trainer, loaded from the database up front.</summary>
public sealed record RunPlan(Run Run, RunConfig Config, Dataset Dataset, IReadOnlyList<JsonObject> Rows, string? BaseCheckpointDir, string? RewardCheckpointDir = null);

/// <summary>
/// Builds and runs one training run on the calling thread: model (a new preset with a tokenizer
/// trained on the dataset, or a base checkpoint), algorithm, <see cref="Trainer"/> writing
/// checkpoints under <c>&lt;data&gt;/runs/&lt;id&gt;/checkpoints</c>, resuming from the newest one
/// when there is one. Returns how the trainer ended; throws when the run cannot be built.
/// </summary>
public sealed class RunExecutor(string dataDirectory, Microsoft.Extensions.Logging.ILogger? logger = null)
{
    public const int EvalPrompts = 4;

    public static string RunFolder(int runId) => Path.Combine("runs", runId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public TrainResult Execute(RunPlan plan, RunRecorder recorder, CancellationToken cancel)
    {
        var run = plan.Run;
        var config = plan.Config;
        string runDir = Path.Combine(dataDirectory, RunFolder(run.Id));
        string tokenizerDir = Path.Combine(runDir, "tokenizer");
        string outputDir = Path.Combine(runDir, "checkpoints");
        Directory.CreateDirectory(runDir);

        BpeTokenizer tokenizer;
        Gpt model;
        ParameterTensors? reference = null;
        if (plan.BaseCheckpointDir is { } baseDir)
        {
            tokenizer = TokenizerFiles.Load(baseDir);
            var (_, parameters) = Checkpoint.Load(baseDir);
            if (config.Algorithm == "reward")
            {
                // A reward model is the base model plus a scalar head (new, small random weights).
                model = new Gpt(parameters.Config with { ScalarHead = true }, config.Trainer.Seed);
                CopyShared(parameters, model.Parameters);
            }
            else model = new Gpt(parameters);
            reference = parameters;
            if (!Directory.Exists(tokenizerDir)) TokenizerFiles.Save(tokenizer, tokenizerDir);
        }
        else
        {
            var preset = GptConfig.Preset(config.Model);
            tokenizer = File.Exists(Path.Combine(tokenizerDir, HuggingFaceTokenizerJson.FileName))
                ? TokenizerFiles.Load(tokenizerDir)
                : TrainTokenizer(plan.Rows, preset.VocabSize, tokenizerDir);
            model = new Gpt(preset with { VocabSize = tokenizer.VocabSize, ScalarHead = config.Algorithm == "reward" }, config.Trainer.Seed);
        }

        var rewardModel = config.Algorithm is "ppo" or "grpo" ? RewardModel(plan, tokenizer) : null;
        var algorithm = BuildAlgorithm(plan, tokenizer, model, reference, rewardModel);
        var evalPrompts = EvalPromptIds(plan, tokenizer, config.Algorithm);
        bool sampling = evalPrompts.Count > 0 && !model.Config.ScalarHead;
        // Built before any resume: the policy of a run from a base checkpoint shares the reference's block, and the
        // scorer's snapshot of the reference must be the base weights, not the resumed ones.
        var scorer = sampling ? Scorer(plan, reference, rewardModel) : null;
        var trainer = new Trainer(model, algorithm, config.Trainer with { OutputDir = outputDir }, recorder)
        {
            Samples = sampling ? recorder : null,
            SampleGenerator = scorer is not null ? m => Sample(m, tokenizer, evalPrompts, config.Trainer.Seed, scorer) : null,
            // A checkpoint's steps are never logged again after a resume from it: store them first.
            BeforeCheckpoint = recorder.Flush,
            CheckpointSaved = dir => Record(dir, tokenizer, recorder),
        };

        if (Trainer.LatestCheckpoint(outputDir) is { } latest)
        {
            trainer.Resume(latest);
            recorder.TruncateAfter(trainer.Step);
            // A crash between writing the folder and recording it leaves it without its tokenizer copy or row: finish that.
            if (!File.Exists(Path.Combine(latest, HuggingFaceTokenizerJson.FileName))) Record(latest, tokenizer, recorder);
            else recorder.Checkpoint(StepOf(latest), Relative(latest));
            if (logger is not null) Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(logger,
                "Run {RunId} resumed at step {Step} from {Checkpoint}", run.Id, trainer.Step, Relative(latest));
        }
        else recorder.TruncateAfter(0);
        return trainer.Run(cancel);
    }

    /// <summary>
    /// Completes a written checkpoint folder with the tokenizer, then records it. Recorded only
    /// now, with every file in place: <c>run_checkpoints</c> lists complete checkpoints only.
    /// </summary>
    private void Record(string dir, BpeTokenizer tokenizer, RunRecorder recorder)
    {
        try { TokenizerFiles.Save(tokenizer, dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CheckpointWriteException(dir, e); }
        recorder.Checkpoint(StepOf(dir), Relative(dir));
    }

    private static int StepOf(string dir) =>
        int.Parse(Path.GetFileName(dir).AsSpan(Trainer.CheckpointPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);

    private string Relative(string dir) => Path.GetRelativePath(dataDirectory, dir).Replace('\\', '/');

    private static BpeTokenizer TrainTokenizer(IReadOnlyList<JsonObject> rows, int vocabSize, string dir)
    {
        var texts = rows.SelectMany(r => r.Select(kv => kv.Value)).SelectMany(Texts).ToList();
        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = vocabSize });
        }
        catch (ArgumentException e) when (System.Text.RegularExpressions.Regex.Match(e.Message, @"at most (\d+)") is { Success: true } m)
        {
            // A small corpus (the arithmetic pack's has ~300 distinct pieces) cannot fill the preset's vocabulary: use what it can.
            tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) });
        }
        TokenizerFiles.Save(tokenizer, dir);
        return tokenizer;
    }

    private static IEnumerable<string> Texts(JsonNode? v) => v switch
    {
        JsonValue s when s.GetValueKind() == JsonValueKind.String => [s.GetValue<string>()],
        JsonArray a => a.SelectMany(m => Texts(m?["content"])),
        _ => [],
    };

    private static ITrainingAlgorithm BuildAlgorithm(RunPlan plan, BpeTokenizer tokenizer, Gpt model, ParameterTensors? reference, RewardModelFunction? rewardModel)
    {
        var config = plan.Config;
        switch (config.Algorithm)
        {
            case "sft":
            {
                var examples = plan.Rows.Select(Sft).Select(e => ChatTemplate.Tokenize(tokenizer, e)).ToList();
                return new SftTrainer(examples, tokenizer.PadId, model.Config, (SftOptions)config.AlgorithmOptions);
            }
            case "dpo":
                return new DpoTrainer(Preferences(plan, tokenizer), reference!, tokenizer.PadId, (DpoOptions)config.AlgorithmOptions);
            case "reward":
                return new RewardTrainer(Preferences(plan, tokenizer), tokenizer.PadId, model.Config, (RewardOptions)config.AlgorithmOptions);
            case "grpo":
            {
                var rewards = new List<IRewardFunction>();
                if (PackOf(plan.Dataset) is { } pack) rewards.Add(new FunctionReward(pack.Name, pack.Reward));
                if (rewardModel is not null) rewards.Add(rewardModel);
                if (rewards.Count == 0) throw new InvalidOperationException(
                    "GRPO needs a reward: choose a reward model (a reward run's checkpoint), or a built-in prompts dataset whose task pack scores completions (arithmetic · prompts or sentiment · prompts).");
                var prompts = plan.Rows.Select(Prompt).ToList();
                return new GrpoTrainer(prompts, tokenizer, rewards, reference, (GrpoOptions)config.AlgorithmOptions, config.Trainer.Seed);
            }
            case "ppo":
            {
                var rm = rewardModel ?? throw new InvalidOperationException("PPO needs a reward model: launch it with a reward run's checkpoint (rewardCheckpointId).");
                var prompts = plan.Rows.Select(Prompt).ToList();
                return new PpoTrainer(prompts, tokenizer, rm, reference!, (PpoOptions)config.AlgorithmOptions, config.Trainer.Seed);
            }
            default:
                throw new InvalidOperationException($"Unknown algorithm '{config.Algorithm}'.");
        }
    }

    /// <summary>
    /// What scores the evaluation samples: KL to the reference when the run has one (DPO/PPO/GRPO, and SFT from a base
    /// checkpoint); the reward the run optimizes — GRPO's functions with its weights, PPO's reward model — or else a
    /// built-in pack's programmatic reward.
    /// </summary>
    private static SampleScorer Scorer(RunPlan plan, ParameterTensors? reference, RewardModelFunction? rewardModel)
    {
        var pack = PackOf(plan.Dataset);
        var rewards = new List<IRewardFunction>();
        IReadOnlyList<float>? weights = null;
        switch (plan.Config.Algorithm)
        {
            case "grpo": // the same functions, in the same order, as BuildAlgorithm gives the trainer
                if (pack is not null) rewards.Add(SampleScorer.PackReward(pack));
                if (rewardModel is not null) rewards.Add(rewardModel);
                weights = ((GrpoOptions)plan.Config.AlgorithmOptions).RewardWeights;
                break;
            case "ppo":
                if (rewardModel is not null) rewards.Add(rewardModel);
                break;
            default:
                if (pack is not null) rewards.Add(SampleScorer.PackReward(pack));
                break;
        }
        return new SampleScorer(reference, rewards, weights);
    }

    /// <summary>The run's reward model (a reward run's checkpoint, with a scalar head) as a reward function, or null without one.</summary>
    private static RewardModelFunction? RewardModel(RunPlan plan, BpeTokenizer tokenizer)
    {
        if (plan.RewardCheckpointDir is not { } dir) return null;
        var (cfg, parameters) = Checkpoint.Load(dir);
        if (!cfg.ScalarHead) throw new InvalidOperationException($"The reward checkpoint (id {plan.Run.RewardCheckpointId}) has no scalar head; choose a checkpoint of a reward run.");
        if (TokenizerFiles.Load(dir).VocabSize != tokenizer.VocabSize)
            throw new InvalidOperationException($"The reward model (checkpoint {plan.Run.RewardCheckpointId}) uses a different tokenizer than the policy; train the reward model from the same base.");
        return new RewardModelFunction(new Gpt(parameters), tokenizer.PadId);
    }

    private static ITaskPack? PackOf(Dataset d)
    {
        if (!d.Source.StartsWith("builtin:", StringComparison.Ordinal)) return null;
        string name = d.Source["builtin:".Length..].Split('/')[0];
        return TaskPackRegistry.Names.Contains(name) ? TaskPackRegistry.Get(name) : null;
    }

    private static SftExample Sft(JsonObject o)
    {
        if (o["messages"] is JsonArray m) return new SftExample { Messages = Messages(m) };
        if (o["prompt"] is { } p && o["completion"] is { } c)
        {
            if (p is JsonArray pm && c is JsonArray cm) return new SftExample { Messages = [.. Messages(pm), .. Messages(cm)] };
            return new SftExample { Prompt = Flatten(p), Completion = Flatten(c) };
        }
        return new SftExample { Text = Flatten(o["text"]) };
    }

    private static List<ChatMessage> Messages(JsonArray a) =>
        a.Select(x => new ChatMessage(x!["role"]!.GetValue<string>(), x["content"]!.GetValue<string>())).ToList();

    private static string Flatten(JsonNode? v) => v is JsonArray a ? string.Join("\n", a.Select(m => m?["content"]?.GetValue<string>() ?? "")) : v?.GetValue<string>() ?? "";

    private static PromptExample Prompt(JsonObject o)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            if (k != "prompt" && v is not null) fields[k] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return new PromptExample(Flatten(o["prompt"]), fields);
    }

    private static List<TokenizedPreference> Preferences(RunPlan plan, BpeTokenizer tokenizer) => plan.Rows.Select(o =>
    {
        var prompt = o["prompt"] is { } p ? ChatTemplate.EncodePrompt(tokenizer, Flatten(p)) : [tokenizer.EosId];
        return new TokenizedPreference(prompt, ChatTemplate.EncodeCompletion(tokenizer, Flatten(o["chosen"])),
            ChatTemplate.EncodeCompletion(tokenizer, Flatten(o["rejected"])), (float)(o["margin"]?.GetValue<double>() ?? 0));
    }).ToList();

    /// <summary>The fixed evaluation prompts: the dataset's first few distinct prompts.</summary>
    /// <remarks>A prompt keeps its row's other fields: a pack's reward reads them (the expected answer).</remarks>
    private static List<(PromptExample Prompt, int[] Ids)> EvalPromptIds(RunPlan plan, BpeTokenizer tokenizer, string algorithm)
    {
        var list = new List<(PromptExample, int[])>();
        foreach (var o in plan.Rows)
        {
            if (list.Count >= EvalPrompts) break;
            PromptExample? prompt = o["prompt"] is not null ? Prompt(o) : o["text"] is { } t ? new PromptExample(string.Join(' ', Flatten(t).Split(' ').Take(3))) : null;
            if (prompt is null || list.Any(x => x.Item1.Prompt == prompt.Prompt)) continue;
            list.Add((prompt, ChatTemplate.EncodePrompt(tokenizer, prompt.Prompt)));
        }
        return list;
    }

    private static IReadOnlyList<CheckpointSample> Sample(Gpt model, BpeTokenizer tokenizer, List<(PromptExample Prompt, int[] Ids)> prompts, int seed, SampleScorer scorer)
    {
        var cfg = model.Config;
        var fit = prompts.Where(p => p.Ids.Length < cfg.BlockSize).ToList();
        if (fit.Count == 0) return [];
        int room = Math.Min(48, cfg.BlockSize + 1 - fit.Max(p => p.Ids.Length));
        if (room <= 0) return [];
        var policy = new InferenceModel(model.Parameters);
        var ids = fit.Select(p => p.Ids).ToList();
        var gen = new Sampler(policy).Generate(ids, new SamplingOptions
        {
            MaxNewTokens = room, Temperature = 0.7f, EosId = tokenizer.EosId, Seed = seed,
        });
        var texts = new string[fit.Count];
        for (int i = 0; i < fit.Count; i++)
        {
            var t = gen.Tokens[i];
            texts[i] = tokenizer.Decode(gen.Stopped[i] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
        }
        return scorer.Score(policy, fit.Select(p => p.Prompt).ToList(), ids, gen.Tokens, texts);
    }

    /// <summary>Copies every tensor the two layouts share (all but the scalar head) from a policy into a reward model.</summary>
    private static void CopyShared(ParameterTensors from, ParameterTensors to)
    {
        for (int i = 0; i < ParameterTensors.Names.Length; i++)
            if (from.SizeOf(i) == to.SizeOf(i) && from.SizeOf(i) > 0) from.Slice(i).CopyTo(to.Slice(i));
    }
}

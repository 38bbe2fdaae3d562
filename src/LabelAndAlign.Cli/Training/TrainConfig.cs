using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// <c>lna train --config</c>'s YAML, with TRL's option names (snake_case). Unknown keys are an
/// error, so a typo never silently falls back to a default; paths are relative to the file. Example:
/// <code>
/// algorithm: dpo            # sft | reward | dpo | ppo | grpo
/// output_dir: runs/dpo1
/// pack: sentiment           # built-in data, tokenizer and oracle (or: dataset + tokenizer)
/// init_from: runs/sft1/checkpoint-400
/// training: { max_steps: 300, batch_size: 32, learning_rate: 0.001, save_steps: 100 }
/// dpo: { beta: 0.1, loss_type: sigmoid }
/// </code>
/// </summary>
public sealed class TrainConfig
{
    public string Algorithm { get; set; } = "";
    public string OutputDir { get; set; } = "";
    public int Seed { get; set; } = 1;

    /// <summary>Built-in task pack: supplies data (SFT corpus, oracle-labelled pairs, prompts), a tokenizer and rewards.</summary>
    public string? Pack { get; set; }

    /// <summary>TRL-format JSONL (text / prompt+completion / messages; prompt+chosen+rejected; prompt).</summary>
    public string? Dataset { get; set; }

    /// <summary>Folder with tokenizer.json (or GPT-2 files); default: trained on the pack's corpus.</summary>
    public string? Tokenizer { get; set; }

    /// <summary>Checkpoint folder to start from; default: a fresh model of <see cref="Model"/>'s shape.</summary>
    public string? InitFrom { get; set; }

    /// <summary>Frozen reference for dpo/ppo/grpo; default: the starting weights.</summary>
    public string? Reference { get; set; }

    /// <summary>Reward-model checkpoint (with a scalar head) for ppo/grpo.</summary>
    public string? RewardModel { get; set; }

    /// <summary>How many examples to draw from the pack.</summary>
    public int PackExamples { get; set; } = 2000;

    /// <summary>Prompts sampled at every checkpoint into samples.jsonl (default: a few of the pack's).</summary>
    public List<string>? EvalPrompts { get; set; }

    public ModelSection Model { get; set; } = new();
    public TrainingSection Training { get; set; } = new();
    public SftSection Sft { get; set; } = new();
    public RewardSection Reward { get; set; } = new();
    public DpoSection Dpo { get; set; } = new();
    public PpoSection Ppo { get; set; } = new();
    public GrpoSection Grpo { get; set; } = new();

    public sealed class ModelSection
    {
        public string Preset { get; set; } = "tiny";
        public int? NPositions { get; set; }
        public int? NEmbd { get; set; }
        public int? NLayer { get; set; }
        public int? NHead { get; set; }

        public GptConfig Shape(int vocab)
        {
            var p = GptConfig.Preset(Preset);
            return p with
            {
                VocabSize = vocab,
                BlockSize = NPositions ?? p.BlockSize,
                Channels = NEmbd ?? p.Channels,
                Layers = NLayer ?? p.Layers,
                Heads = NHead ?? p.Heads,
            };
        }
    }

    public sealed class TrainingSection
    {
        public int MaxSteps { get; set; } = 200;
        public int BatchSize { get; set; } = 16;
        public int GradientAccumulationSteps { get; set; } = 1;
        public float LearningRate { get; set; } = 1e-3f;
        public int WarmupSteps { get; set; }
        public string LrSchedulerType { get; set; } = "cosine";
        public float MinLrRatio { get; set; } = 0.1f;
        public float WeightDecay { get; set; }
        public float MaxGradNorm { get; set; } = 1f;
        public int SaveSteps { get; set; } = 100;
        public int SaveTotalLimit { get; set; } = 2;
        public int LoggingSteps { get; set; } = 1;

        public TrainerOptions ToOptions(int seed, string outputDir) => new()
        {
            MaxSteps = MaxSteps, BatchSize = BatchSize, GradientAccumulationSteps = GradientAccumulationSteps, LearningRate = LearningRate,
            WarmupSteps = WarmupSteps, MinLearningRateRatio = MinLrRatio, WeightDecay = WeightDecay, MaxGradNorm = MaxGradNorm,
            SaveEvery = SaveSteps, SaveTotalLimit = SaveTotalLimit, LogEvery = LoggingSteps, Seed = seed, OutputDir = outputDir,
            CosineSchedule = LrSchedulerType switch
            {
                "cosine" => true,
                "constant" => false,
                _ => throw new ArgumentException($"training.lr_scheduler_type must be cosine or constant, found '{LrSchedulerType}'."),
            },
        };
    }

    public sealed class SftSection
    {
        public int MaxLength { get; set; } = 1024;
        public bool Packing { get; set; }
        public SftOptions ToOptions() => new() { MaxLength = MaxLength, Packing = Packing };
    }

    public sealed class RewardSection
    {
        public int MaxLength { get; set; } = 1024;
        public double CenterRewardsCoefficient { get; set; }
        public RewardOptions ToOptions() => new() { MaxLength = MaxLength, CenterRewardsCoefficient = CenterRewardsCoefficient };
    }

    public sealed class DpoSection
    {
        public double Beta { get; set; } = 0.1;
        public string LossType { get; set; } = "sigmoid";
        public double LabelSmoothing { get; set; }
        public double RpoAlpha { get; set; }
        public int MaxLength { get; set; } = 1024;
        public DpoOptions ToOptions() => new() { Beta = Beta, LossType = DpoLoss.Parse(LossType), LabelSmoothing = LabelSmoothing, RpoAlpha = RpoAlpha, MaxLength = MaxLength };
    }

    public sealed class PpoSection
    {
        public int NumPpoEpochs { get; set; } = 4;
        public float KlCoef { get; set; } = 0.05f;
        public string KlEstimator { get; set; } = "k1";
        public bool AdaptiveKl { get; set; }
        public float KlTarget { get; set; } = 6f;
        public int KlHorizon { get; set; } = 10000;
        public float Cliprange { get; set; } = 0.2f;
        public float ClipRangeValue { get; set; } = 0.2f;
        public float VfCoef { get; set; } = 0.1f;
        public float Gamma { get; set; } = 1f;
        public float Lam { get; set; } = 0.95f;
        public float Temperature { get; set; } = 0.7f;
        public int MaxCompletionLength { get; set; } = 32;
        public float? MissingEosPenalty { get; set; }

        public PpoOptions ToOptions() => new()
        {
            NumPpoEpochs = NumPpoEpochs, KlCoef = KlCoef, KlEstimator = ParseKl(KlEstimator), AdaptiveKl = AdaptiveKl, KlTarget = KlTarget,
            KlHorizon = KlHorizon, ClipRange = Cliprange, ClipRangeValue = ClipRangeValue, VfCoef = VfCoef, Gamma = Gamma, Lambda = Lam,
            Temperature = Temperature, MaxCompletionLength = MaxCompletionLength, MissingEosPenalty = MissingEosPenalty,
        };
    }

    public sealed class GrpoSection
    {
        public int NumGenerations { get; set; } = 8;
        public int MaxCompletionLength { get; set; } = 32;
        public float Temperature { get; set; } = 1f;
        public float Beta { get; set; }
        public float Epsilon { get; set; } = 0.2f;
        public float? EpsilonHigh { get; set; }
        public string LossType { get; set; } = "dapo";
        public string ScaleRewards { get; set; } = "group";
        public int NumIterations { get; set; } = 1;

        public GrpoOptions ToOptions() => new()
        {
            NumGenerations = NumGenerations, MaxCompletionLength = MaxCompletionLength, Temperature = Temperature, Beta = Beta, Epsilon = Epsilon,
            EpsilonHigh = EpsilonHigh, NumIterations = NumIterations,
            LossType = LossType switch
            {
                "grpo" => GrpoLossType.Grpo,
                "dr_grpo" => GrpoLossType.DrGrpo,
                "dapo" => GrpoLossType.Dapo,
                _ => throw new ArgumentException($"grpo.loss_type must be grpo, dr_grpo or dapo, found '{LossType}'."),
            },
            ScaleRewards = ScaleRewards switch
            {
                "group" or "true" => RewardScaling.Group,
                "batch" => RewardScaling.Batch,
                "none" or "false" => RewardScaling.None,
                _ => throw new ArgumentException($"grpo.scale_rewards must be group, batch or none, found '{ScaleRewards}'."),
            },
        };
    }

    private static KlEstimator ParseKl(string s) => s switch
    {
        "k1" => Engine.Training.Rl.KlEstimator.K1,
        "k3" => Engine.Training.Rl.KlEstimator.K3,
        _ => throw new ArgumentException($"ppo.kl_estimator must be k1 or k3, found '{s}'."),
    };

    public static TrainConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file not found: {path}", path);
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        TrainConfig config;
        try
        {
            config = deserializer.Deserialize<TrainConfig>(File.ReadAllText(path)) ?? new TrainConfig();
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}: {(e.InnerException ?? e).Message} (line {e.Start.Line}).");
        }
        config.Validate(path);
        config.ResolvePaths(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return config;
    }

    /// <summary>Every path in the file is relative to the file's own folder, so a config works from any working directory.</summary>
    private void ResolvePaths(string baseDir)
    {
        string? Resolve(string? p) => p is null || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
        OutputDir = Resolve(OutputDir)!;
        Dataset = Resolve(Dataset);
        Tokenizer = Resolve(Tokenizer);
        InitFrom = Resolve(InitFrom);
        Reference = Resolve(Reference);
        RewardModel = Resolve(RewardModel);
    }

    public void Validate(string where)
    {
        if (Algorithm is not ("sft" or "reward" or "dpo" or "ppo" or "grpo"))
            throw new InvalidDataException($"{where}: algorithm must be sft, reward, dpo, ppo or grpo, found '{Algorithm}'.");
        if (string.IsNullOrWhiteSpace(OutputDir)) throw new InvalidDataException($"{where}: output_dir is required.");
        if (Pack is null && Dataset is null) throw new InvalidDataException($"{where}: give a pack (arithmetic, sentiment) or a dataset (TRL JSONL).");
        if (Pack is null && Tokenizer is null && InitFrom is null) throw new InvalidDataException($"{where}: with a dataset, give tokenizer (a folder with tokenizer.json).");
    }
}

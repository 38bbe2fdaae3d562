using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Recipe.KeyBuilders;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The one table of a run's options, in TRL's names, for JSON (API, launch form) and YAML (<c>lna train</c>) alike:
/// type, default (from the engine's records: TRL's where TRL has one and it suits a small CPU model, said in the help
/// otherwise), bounds — every number has an upper one, so no option can ask for more memory than a machine has — and
/// one line of help.
/// </summary>
public static class RunKeys
{
    // Each algorithm's own keys are grouped under its wire name.
    private static readonly string SftKeys = Algorithm.Sft.WireName(), RewardKeys = Algorithm.Reward.WireName(), DpoKeys = Algorithm.Dpo.WireName(),
        PpoKeys = Algorithm.Ppo.WireName(), GrpoKeys = Algorithm.Grpo.WireName();

    /// <summary>Most steps, examples, positions… any count may ask for.</summary>
    public const int MaxCount = 10_000_000;

    private static readonly RunKey[] Common =
    [
        Choice("model", "model", [("tiny", "tiny"), ("small", "small"), ("gpt2", "gpt2")], s => s.Model, (s, v) => s with { Model = v },
            "Size of a new model: tiny (~0.5M parameters, trains in seconds on a CPU), small (~4M), gpt2 (GPT-2 small, 124M). A run from a base checkpoint has the base's size (TRL always starts from a named pretrained model)."),
        IntOrNull("n_positions", "model", 8, 8192, s => s.NPositions, (s, v) => s with { NPositions = v },
            "Longest sequence the new model reads, in tokens; empty = the preset's (128 for tiny and small). GPT-2's config name; TRL takes it from the pretrained model."),
        IntOrNull("n_embd", "model", 8, 4096, s => s.NEmbd, (s, v) => s with { NEmbd = v }, "Width of the new model; empty = the preset's. A multiple of n_head (GPT-2's config name; TRL takes it from the pretrained model)."),
        IntOrNull("n_layer", "model", 1, 96, s => s.NLayer, (s, v) => s with { NLayer = v }, "Transformer blocks of the new model; empty = the preset's (GPT-2's config name; TRL takes it from the pretrained model)."),
        IntOrNull("n_head", "model", 1, 128, s => s.NHead, (s, v) => s with { NHead = v }, "Attention heads of the new model; empty = the preset's (GPT-2's config name; TRL takes it from the pretrained model)."),

        Int("max_steps", "training", 1, MaxCount, Tr(o => o.MaxSteps), Tr<int>((o, v) => o with { MaxSteps = v }),
            "Optimizer steps to train (TRL counts epochs unless max_steps is set)."),
        Int("per_device_train_batch_size", "training", 1, 1024, Tr(o => o.BatchSize), Tr<int>((o, v) => o with { BatchSize = v }),
            "Examples in one forward and backward pass; memory grows with it (TRL's default 8)."),
        Int("gradient_accumulation_steps", "training", 1, 1024, Tr(o => o.GradientAccumulationSteps), Tr<int>((o, v) => o with { GradientAccumulationSteps = v }),
            "Passes added up per optimizer step: the effective batch is per_device_train_batch_size × this (TRL's default 1)."),
        Float("learning_rate", "training", 0, 1, Tr(o => o.LearningRate), Tr<float>((o, v) => o with { LearningRate = v }),
            "Peak AdamW step size. TRL's 2e-5 (DPO, GRPO: 1e-6) suits pretrained models; a tiny model trained from scratch wants about 1e-3."),
        Choice("lr_scheduler_type", "training", [("cosine", LrSchedulerType.Cosine), ("constant", LrSchedulerType.Constant)],
            Tr(o => o.LrSchedulerType), Tr<LrSchedulerType>((o, v) => o with { LrSchedulerType = v }),
            "After warmup: cosine decays to min_lr_ratio × learning_rate at max_steps, constant holds the rate (TRL's default is linear decay)."),
        Int("warmup_steps", "training", 0, MaxCount, Tr(o => o.WarmupSteps), Tr<int>((o, v) => o with { WarmupSteps = v }),
            "Steps over which the rate rises from 0 to learning_rate (TRL's default 0)."),
        Float("min_lr_ratio", "training", 0, 1, Tr(o => o.MinLearningRateRatio), Tr<float>((o, v) => o with { MinLearningRateRatio = v }),
            "Where cosine decay ends, as a fraction of learning_rate (TRL's cosine_with_min_lr calls it min_lr_rate; plain cosine ends at 0)."),
        Float("weight_decay", "training", 0, 1, Tr(o => o.WeightDecay), Tr<float>((o, v) => o with { WeightDecay = v }),
            "AdamW weight decay on the weight matrices (TRL's default 0)."),
        Float("max_grad_norm", "training", 0, 1_000_000, Tr(o => o.MaxGradNorm), Tr<float>((o, v) => o with { MaxGradNorm = v }),
            "Clip the gradient's global norm to this; 0 turns clipping off (TRL's default 1.0)."),
        Int("seed", "training", 0, int.MaxValue, Tr(o => o.Seed), Tr<int>((o, v) => o with { Seed = v }),
            "Seeds the data order, new weights and sampling: the same seed repeats a run exactly (TRL's default 42)."),
        Int("save_steps", "training", 0, MaxCount, Tr(o => o.SaveSteps), Tr<int>((o, v) => o with { SaveSteps = v }),
            "Save a checkpoint every N steps (and at the end); 0 = only at the end. A crash resumes from the last one (TRL's default 500)."),
        Int("save_total_limit", "training", 0, 10_000, Tr(o => o.SaveTotalLimit), Tr<int>((o, v) => o with { SaveTotalLimit = v }),
            "Checkpoints kept on disk, the oldest deleted first; 0 keeps all (TRL keeps all by default)."),
        Int("logging_steps", "training", 1, MaxCount, Tr(o => o.LoggingSteps), Tr<int>((o, v) => o with { LoggingSteps = v }),
            "Record the training metrics every N steps (TRL's default 500; 1 here, for live charts)."),

        Int("eval_steps", "evaluation", 0, MaxCount, Tr(o => o.EvalSteps), Tr<int>((o, v) => o with { EvalSteps = v }),
            "Sample the evaluation prompts and record eval/ metrics every N steps; 0 = only at checkpoints (TRL: no evaluation by default)."),
        Int("num_eval_prompts", "evaluation", 0, 256, s => s.NumEvalPrompts, (s, v) => s with { NumEvalPrompts = v },
            "Fixed prompts sampled at every evaluation and checkpoint: the dataset's first distinct prompts, or a task pack's held-out ones (ours; TRL evaluates an eval_dataset instead)."),

        NumOrNull("stop_on_kl_above", "alerts", -1_000_000, 1_000_000, s => s.StopOnKlAbove, (s, v) => s with { StopOnKlAbove = v },
            "Stop the run when its KL to the reference (objective/kl, kl) goes above this; empty = off (ours; TRL has no alerts)."),
        NumOrNull("stop_on_reward_below", "alerts", -1_000_000, 1_000_000, s => s.StopOnRewardBelow, (s, v) => s with { StopOnRewardBelow = v },
            "Stop the run when its mean reward (reward, objective/scores) falls below this (reward collapse); empty = off (ours; TRL has no alerts)."),

        Choice("engine", "engine", [("auto", EngineChoice.Auto), ("native", EngineChoice.Native), ("torch", EngineChoice.Torch)], s => s.Engine,
            (s, v) => s with { Engine = v }, "Which engine trains: native (our C# engine, CPU), torch (TorchSharp), or auto (the best this machine has); TRL always trains on PyTorch."),
        Choice("device", "engine", [("auto", DeviceChoice.Auto), ("cpu", DeviceChoice.Cpu), ("cuda", DeviceChoice.Cuda)], s => s.Device,
            (s, v) => s with { Device = v }, "Where it trains: cpu, cuda (a GPU, torch engine only), or auto (the best the engine has), as TRL's use_cpu / device placement."),
    ];

    private static readonly RunKey[] Sft =
    [
        Int("max_length", SftKeys, 2, 1_048_576, Of<SftOptions, int>(o => o.MaxLength), Of<SftOptions, int>((o, v) => o with { MaxLength = v }),
            "Tokens per example; longer ones are truncated (TRL's default 1024; the model's n_positions caps it too)."),
        Bool("packing", SftKeys, Of<SftOptions, bool>(o => o.Packing), Of<SftOptions, bool>((o, v) => o with { Packing = v }),
            "Concatenate short examples into rows of max_length tokens: fewer, fuller passes (TRL's default off)."),
    ];

    private static readonly RunKey[] Reward =
    [
        Int("max_length", RewardKeys, 2, 1_048_576, Of<RewardOptions, int>(o => o.MaxLength), Of<RewardOptions, int>((o, v) => o with { MaxLength = v }),
            "Pairs longer than this many tokens are dropped, not truncated (TRL's default 1024)."),
        Num("center_rewards_coefficient", RewardKeys, 0, 100, Of<RewardOptions, double>(o => o.CenterRewardsCoefficient),
            Of<RewardOptions, double>((o, v) => o with { CenterRewardsCoefficient = v }),
            "Keeps scores near 0 by adding c × mean((r_chosen + r_rejected)²) to the loss; TRL suggests 0.01 (default off)."),
        Bool("use_margin", RewardKeys, Of<RewardOptions, bool>(o => o.UseMargin), Of<RewardOptions, bool>((o, v) => o with { UseMargin = v }),
            "Subtract a row's margin (when the dataset has one) inside the loss, as TRL does."),
    ];

    private static readonly RunKey[] Dpo =
    [
        Num("beta", DpoKeys, 0, 1000, Of<DpoOptions, double>(o => o.Beta), Of<DpoOptions, double>((o, v) => o with { Beta = v }),
            "How strongly the policy is held near the reference: higher stays closer (TRL's default 0.1).", minExclusive: true),
        Choice("loss_type", DpoKeys, [("sigmoid", DpoLossType.Sigmoid), ("ipo", DpoLossType.Ipo), ("hinge", DpoLossType.Hinge), ("robust", DpoLossType.Robust)],
            Of<DpoOptions, DpoLossType>(o => o.LossType), Of<DpoOptions, DpoLossType>((o, v) => o with { LossType = v }),
            "sigmoid is the DPO paper's loss (TRL's default); ipo, hinge and robust are TRL's variants."),
        Num("label_smoothing", DpoKeys, 0, 0.5, Of<DpoOptions, double>(o => o.LabelSmoothing), Of<DpoOptions, double>((o, v) => o with { LabelSmoothing = v }),
            "The share of labels assumed flipped, for the sigmoid (cDPO) and robust losses (TRL's default 0).", maxExclusive: true),
        Num("rpo_alpha", DpoKeys, 0, 100, Of<DpoOptions, double>(o => o.RpoAlpha), Of<DpoOptions, double>((o, v) => o with { RpoAlpha = v }),
            "Adds α × the chosen responses' language-model loss (RPO), which keeps a small model fluent; 0 = plain DPO (TRL's default off)."),
        Int("max_length", DpoKeys, 2, 1_048_576, Of<DpoOptions, int>(o => o.MaxLength), Of<DpoOptions, int>((o, v) => o with { MaxLength = v }),
            "Pairs whose prompt and longer response exceed this many tokens are dropped (TRL's default 1024)."),
        Bool("online", DpoKeys, Of<DpoOptions, bool>(o => o.Online), Of<DpoOptions, bool>((o, v) => o with { Online = v }),
            "Online DPO (TRL's OnlineDPOTrainer): every step samples two completions per prompt from the model being trained, the reward model or the task pack's oracle picks the better, and DPO learns from those pairs. Trains on prompts; default off (the dataset's pairs)."),
        Int("max_new_tokens", DpoKeys, 1, 4096, Of<DpoOptions, int>(o => o.MaxNewTokens), Of<DpoOptions, int>((o, v) => o with { MaxNewTokens = v }),
            "Online DPO: tokens sampled per completion at most (TRL's default 64)."),
        Float("temperature", DpoKeys, 0, 100, Of<DpoOptions, float>(o => o.Temperature), Of<DpoOptions, float>((o, v) => o with { Temperature = v }),
            "Online DPO: sampling temperature of the two completions (TRL's default 0.9).", minExclusive: true),
        Choice("judge", DpoKeys, [("auto", OnlineJudge.Auto), ("people", OnlineJudge.People)], Of<DpoOptions, OnlineJudge>(o => o.Judge),
            Of<DpoOptions, OnlineJudge>((o, v) => o with { Judge = v }),
            "Online DPO: who labels the sampled pairs. auto = at once, every step, by the reward model or else the task pack's oracle; people = the labelers of label_project, a round every label_every steps (the run waits for their labels). TRL's OnlineDPOTrainer takes a judge or reward model; people are ours."),
        IntOrNull("label_project", DpoKeys, 1, int.MaxValue, Of<DpoOptions, int?>(o => o.LabelProject), Of<DpoOptions, int?>((o, v) => o with { LabelProject = v }),
            "Online DPO judged by people: the labeling project whose labelers judge the pairs (its id; ours, TRL has no labeling projects)."),
        Int("label_every", DpoKeys, 1, MaxCount, Of<DpoOptions, int>(o => o.LabelEvery), Of<DpoOptions, int>((o, v) => o with { LabelEvery = v }),
            "Online DPO judged by people: sample a new round of pairs into the project every this many steps (ours; TRL's online trainer samples every step)."),
        Int("label_pairs", DpoKeys, 1, DpoOptions.MaxLabelPairs, Of<DpoOptions, int>(o => o.LabelPairs), Of<DpoOptions, int>((o, v) => o with { LabelPairs = v }),
            "Online DPO judged by people: pairs (a prompt and two sampled completions) per round (ours; TRL samples one pair per prompt of a batch)."),
    ];

    private static readonly RunKey[] Ppo =
    [
        Int("num_ppo_epochs", PpoKeys, 1, 100, Of<PpoOptions, int>(o => o.NumPpoEpochs), Of<PpoOptions, int>((o, v) => o with { NumPpoEpochs = v }),
            "Optimizer steps on each batch of sampled completions (TRL's default 4)."),
        Float("kl_coef", PpoKeys, 0, 100, Of<PpoOptions, float>(o => o.KlCoef), Of<PpoOptions, float>((o, v) => o with { KlCoef = v }),
            "Per-token penalty on the KL to the reference (TRL's default 0.05)."),
        Choice("kl_estimator", PpoKeys, [("k1", KlEstimator.K1), ("k3", KlEstimator.K3)], Of<PpoOptions, KlEstimator>(o => o.KlEstimator),
            Of<PpoOptions, KlEstimator>((o, v) => o with { KlEstimator = v }),
            "k1 is the plain log-ratio (TRL's default); k3 is unbiased with lower variance and never negative."),
        Bool("adaptive_kl", PpoKeys, Of<PpoOptions, bool>(o => o.AdaptiveKl), Of<PpoOptions, bool>((o, v) => o with { AdaptiveKl = v }),
            "Adjust kl_coef during the run so the KL approaches kl_target (the original PPO-for-LMs controller; default off, as in TRL, which dropped it)."),
        Float("kl_target", PpoKeys, 0, 1_000_000, Of<PpoOptions, float>(o => o.KlTarget), Of<PpoOptions, float>((o, v) => o with { KlTarget = v }),
            "The KL the adaptive controller aims for (6 in the original; TRL's older PPOConfig target).", minExclusive: true),
        Int("kl_horizon", PpoKeys, 1, 1_000_000_000, Of<PpoOptions, int>(o => o.KlHorizon), Of<PpoOptions, int>((o, v) => o with { KlHorizon = v }),
            "How many episodes the adaptive controller spreads a correction over (10000 in the original; TRL's older PPOConfig horizon)."),
        Float("cliprange", PpoKeys, 0, 1, Of<PpoOptions, float>(o => o.ClipRange), Of<PpoOptions, float>((o, v) => o with { ClipRange = v }),
            "How far one update may move the policy's probability ratio: 1 ± this (TRL's default 0.2).", minExclusive: true, maxExclusive: true),
        Float("cliprange_value", PpoKeys, 0, 1_000_000, Of<PpoOptions, float>(o => o.ClipRangeValue), Of<PpoOptions, float>((o, v) => o with { ClipRangeValue = v }),
            "How far one update may move the value estimates (TRL's default 0.2).", minExclusive: true),
        Float("vf_coef", PpoKeys, 0, 100, Of<PpoOptions, float>(o => o.VfCoef), Of<PpoOptions, float>((o, v) => o with { VfCoef = v }),
            "Weight of the value model's loss (TRL's default 0.1)."),
        Float("gamma", PpoKeys, 0, 1, Of<PpoOptions, float>(o => o.Gamma), Of<PpoOptions, float>((o, v) => o with { Gamma = v }),
            "Discount of later rewards (TRL's default 1.0: none)."),
        Float("lam", PpoKeys, 0, 1, Of<PpoOptions, float>(o => o.Lambda), Of<PpoOptions, float>((o, v) => o with { Lambda = v }),
            "GAE λ: lower trusts the value model more (TRL's default 0.95)."),
        Float("temperature", PpoKeys, 0, 100, Of<PpoOptions, float>(o => o.Temperature), Of<PpoOptions, float>((o, v) => o with { Temperature = v }),
            "Sampling temperature of the completions trained on (TRL's default 0.7).", minExclusive: true),
        Int("max_completion_length", PpoKeys, 1, 4096, Of<PpoOptions, int>(o => o.MaxCompletionLength),
            Of<PpoOptions, int>((o, v) => o with { MaxCompletionLength = v }), "Tokens sampled per completion at most (TRL's response_length 53)."),
        FloatOrNull("missing_eos_penalty", PpoKeys, 0, 1_000_000, Of<PpoOptions, float?>(o => o.MissingEosPenalty),
            Of<PpoOptions, float?>((o, v) => o with { MissingEosPenalty = v }),
            "Subtracted from the score of a completion that never ends; empty = off (TRL's default)."),
        Float("value_learning_rate", PpoKeys, 0, 1, Of<PpoOptions, float>(o => o.ValueLearningRate),
            Of<PpoOptions, float>((o, v) => o with { ValueLearningRate = v }), "AdamW step size of the value model (TRL uses learning_rate for both).",
            minExclusive: true),
    ];

    private static readonly RunKey[] Grpo =
    [
        Int("num_generations", GrpoKeys, 2, 256, Of<GrpoOptions, int>(o => o.NumGenerations), Of<GrpoOptions, int>((o, v) => o with { NumGenerations = v }),
            "Completions sampled per prompt and compared with each other (TRL's default 8)."),
        Int("max_completion_length", GrpoKeys, 1, 4096, Of<GrpoOptions, int>(o => o.MaxCompletionLength),
            Of<GrpoOptions, int>((o, v) => o with { MaxCompletionLength = v }), "Tokens sampled per completion at most (TRL's default 256)."),
        Float("temperature", GrpoKeys, 0, 100, Of<GrpoOptions, float>(o => o.Temperature), Of<GrpoOptions, float>((o, v) => o with { Temperature = v }),
            "Sampling temperature of the completions (TRL's default 1.0).", minExclusive: true),
        Float("beta", GrpoKeys, 0, 1000, Of<GrpoOptions, float>(o => o.Beta), Of<GrpoOptions, float>((o, v) => o with { Beta = v }),
            "Weight of the KL penalty to the reference; 0 skips the reference entirely (TRL's default 0)."),
        Float("epsilon", GrpoKeys, 0, 1, Of<GrpoOptions, float>(o => o.Epsilon), Of<GrpoOptions, float>((o, v) => o with { Epsilon = v }),
            "How far one update may move the probability ratio: 1 ± this (TRL's default 0.2).", minExclusive: true, maxExclusive: true),
        FloatOrNull("epsilon_high", GrpoKeys, 0, 10, Of<GrpoOptions, float?>(o => o.EpsilonHigh), Of<GrpoOptions, float?>((o, v) => o with { EpsilonHigh = v }),
            "A separate upper clip (DAPO's clip-higher, e.g. 0.28); empty = epsilon (TRL's default).", minExclusive: true),
        Choice("loss_type", GrpoKeys, [("dapo", GrpoLossType.Dapo), ("grpo", GrpoLossType.Grpo), ("dr_grpo", GrpoLossType.DrGrpo)],
            Of<GrpoOptions, GrpoLossType>(o => o.LossType), Of<GrpoOptions, GrpoLossType>((o, v) => o with { LossType = v }),
            "How token losses are averaged: dapo over all tokens (TRL's default), grpo per sequence, dr_grpo over batch × max_completion_length."),
        Choice("scale_rewards", GrpoKeys, [("group", RewardScaling.Group), ("batch", RewardScaling.Batch), ("none", RewardScaling.None)],
            Of<GrpoOptions, RewardScaling>(o => o.ScaleRewards), Of<GrpoOptions, RewardScaling>((o, v) => o with { ScaleRewards = v }),
            "Divide advantages by the reward spread of the group (TRL's default), of the batch, or not at all."),
        Int("num_iterations", GrpoKeys, 1, 100, Of<GrpoOptions, int>(o => o.NumIterations), Of<GrpoOptions, int>((o, v) => o with { NumIterations = v }),
            "Optimizer steps on each batch of generations (TRL's default 1)."),
    ];

    /// <summary>Every key <paramref name="algorithm"/> accepts, in the order forms show them.</summary>
    public static IReadOnlyList<RunKey> For(Algorithm algorithm) => algorithm switch
    {
        Algorithm.Sft => ForSft,
        Algorithm.Reward => ForReward,
        Algorithm.Dpo => ForDpo,
        Algorithm.Ppo => ForPpo,
        Algorithm.Grpo => ForGrpo,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    private static readonly RunKey[] ForSft = [.. Common, .. Sft];
    private static readonly RunKey[] ForReward = [.. Common, .. Reward];
    private static readonly RunKey[] ForDpo = [.. Common, .. Dpo];
    private static readonly RunKey[] ForPpo = [.. Common, .. Ppo];
    private static readonly RunKey[] ForGrpo = [.. Common, .. Grpo];

    /// <summary>The table for <paramref name="algorithm"/> as data (defaults filled in): what forms render.</summary>
    public static IReadOnlyList<RunKeyInfo> Describe(Algorithm algorithm) => For(algorithm).Select(k => k.Info(algorithm)).ToList();

    /// <summary>The algorithms that have a key named <paramref name="name"/>.</summary>
    public static IReadOnlyList<Algorithm> WithKey(string name) => Algorithms.All.Where(a => For(a).Any(k => k.Name == name)).ToList();
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Training;

/// <summary>GRPO settings (TRL's names and defaults).</summary>
public sealed record GrpoOptions : AlgorithmOptions
{
    public override Recipe.Algorithm Algorithm => Recipe.Algorithm.Grpo;

    /// <summary>G: completions sampled per prompt (TRL default 8).</summary>
    public int NumGenerations { get; init; } = 8;

    public int MaxCompletionLength { get; init; } = 32;

    /// <summary>Sampling temperature (TRL default 1.0).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>β of the k3 KL penalty; 0 (TRL default) skips the reference entirely.</summary>
    public float Beta { get; init; }

    public float Epsilon { get; init; } = 0.2f;

    /// <summary>Upper clip ε_high (DAPO's clip-higher); null = ε.</summary>
    public float? EpsilonHigh { get; init; }

    public GrpoLossType LossType { get; init; } = GrpoLossType.Dapo;

    public RewardScaling ScaleRewards { get; init; } = RewardScaling.Group;

    /// <summary>Optimizer steps per generated batch (TRL's num_iterations, μ).</summary>
    public int NumIterations { get; init; } = 1;

    /// <summary>Per-function weights (default 1 each).</summary>
    public IReadOnlyList<float>? RewardWeights { get; init; }

    public override void Validate()
    {
        if (NumGenerations < 2) throw new ArgumentException($"num_generations must be at least 2 (advantages compare completions of one prompt), found {NumGenerations}.");
        if (MaxCompletionLength <= 0) throw new ArgumentException($"max_completion_length must be positive, found {MaxCompletionLength}.");
        if (!(Temperature > 0)) throw new ArgumentException($"temperature must be positive, found {Temperature}.");
        if (!(Beta >= 0)) throw new ArgumentException($"beta must be ≥ 0, found {Beta}.");
        if (!(Epsilon > 0 && Epsilon < 1)) throw new ArgumentException($"epsilon must be in (0, 1), found {Epsilon}.");
        if (EpsilonHigh is float h && !(h > 0)) throw new ArgumentException($"epsilon_high must be positive, found {h}.");
        if (NumIterations <= 0) throw new ArgumentException($"num_iterations must be positive, found {NumIterations}.");
    }
}

/// <summary>
/// Group relative policy optimisation: for each prompt sample G completions with the current
/// policy, score them with the reward functions, centre (and scale) rewards within the group, and
/// take the clipped policy-gradient step (<see cref="GrpoLoss"/>, from Rl/) with an optional k3 KL
/// to a frozen reference. Micro-batches are prompts; each carries its G completions.
/// <para>
/// With <see cref="GrpoOptions.NumIterations"/> μ &gt; 1 one generated batch serves μ optimizer steps, and a
/// checkpoint may fall between them: the trainer state then holds that batch (completions, old and reference
/// log-probs, advantages) so a resume continues exactly as the uninterrupted run. Sampling is seeded by
/// (seed, step) alone, so the next batch needs no saved random state.
/// </para>
/// </summary>
public sealed class GrpoTrainer : ITrainingAlgorithm, IDisposable
{
    private readonly IReadOnlyList<PromptExample> _prompts;
    private readonly int[][] _promptIds;
    private readonly ITokenizer _tokenizer;
    private readonly IReadOnlyList<IRewardFunction> _rewards;
    private readonly IFrozenGpt? _reference;
    private readonly int _seed;
    private Rollout? _rollout;
    private int _cursor;
    private double _tokensSeen;

    private sealed class Rollout
    {
        public required int[] PromptIndex;     // per row
        public required int[][] Completion;    // per row, EOS kept when stopped
        public required float[] Advantages;    // per row
        public required float[][]? RefLogp;    // per row per completion token
        public float[][]? OldLogp;             // per row per token, filled at iteration 0
        public required int TotalTokens;       // completion tokens of all rows, DAPO's normaliser
    }

    public GrpoTrainer(IReadOnlyList<PromptExample> prompts, ITokenizer tokenizer, IReadOnlyList<IRewardFunction> rewards,
        ParameterTensors? reference, GrpoOptions? options = null, int seed = 1, IGptEngine? engine = null)
    {
        Options = options ?? new GrpoOptions();
        Options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("GRPO needs at least one prompt.");
        if (rewards.Count == 0) throw new ArgumentException("GRPO needs at least one reward function.");
        if (Options.RewardWeights is { } w && w.Count != rewards.Count)
            throw new ArgumentException($"{w.Count} reward weights for {rewards.Count} reward functions; give one per function.");
        if (Options.Beta > 0 && reference is null) throw new ArgumentException($"beta = {Options.Beta} needs a reference model (or set beta to 0).");
        _prompts = prompts;
        _tokenizer = tokenizer;
        _promptIds = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToArray();
        _rewards = rewards;
        _reference = Options.Beta > 0 ? (engine ?? NativeGptEngine.Instance).Frozen(reference!) : null;
        _seed = seed;
    }

    public GrpoOptions Options { get; }
    public string Name => Recipe.Algorithm.Grpo.WireName();
    public int ExampleCount => _prompts.Count;
    public int StepsPerBatch => Options.NumIterations;

    public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel)
    {
        _cursor = 0;
        // A missing rollout at iteration > 0 means a checkpoint written before rollouts were saved: generate anew.
        if (iteration != 0 && _rollout is not null) return;
        int G = Options.NumGenerations, n = examples.Count * G;
        var promptIndex = new int[n];
        var ids = new List<int[]>(n);
        for (int i = 0; i < examples.Count; i++)
            for (int g = 0; g < G; g++)
            {
                promptIndex[i * G + g] = examples[i];
                ids.Add(_promptIds[examples[i]]);
            }
        int maxNew = Math.Min(Options.MaxCompletionLength, model.Config.BlockSize + 1 - ids.Max(p => p.Length));
        if (maxNew <= 0) throw new ArgumentException($"A prompt of {ids.Max(p => p.Length)} tokens leaves no room in the block size {model.Config.BlockSize}.");
        var gen = model.Sampler().Generate(ids, new SamplingOptions
        {
            MaxNewTokens = maxNew,
            Temperature = Options.Temperature,
            EosId = _tokenizer.EosId,
            Seed = unchecked(_seed * 1_000_033 + step),
        }, cancel);
        var texts = new string[n];
        var promptRows = new PromptExample[n];
        double lengths = 0, clipped = 0;
        int total = 0;
        for (int r = 0; r < n; r++)
        {
            var toks = gen.Tokens[r];
            texts[r] = _tokenizer.Decode(gen.Stopped[r] ? toks.AsSpan(0, toks.Length - 1) : toks, skipSpecial: true);
            promptRows[r] = _prompts[promptIndex[r]];
            lengths += toks.Length;
            total += toks.Length;
            if (!gen.Stopped[r]) clipped++;
        }
        var rewards = new float[n];
        for (int f = 0; f < _rewards.Count; f++)
        {
            var s = _rewards[f].Score(promptRows, texts, ids, gen.Tokens);
            float w = Options.RewardWeights?[f] ?? 1f;
            for (int r = 0; r < n; r++) rewards[r] += w * s[r];
            double mean = s.Average(), std = Math.Sqrt(s.Select(x => (x - mean) * (x - mean)).Sum() / Math.Max(1, n - 1));
            metrics.Set($"rewards/{_rewards[f].Name}/mean", mean);
            metrics.Set($"rewards/{_rewards[f].Name}/std", std);
        }
        var adv = new float[n];
        var stats = GrpoAdvantages.Compute(rewards, adv, G, Options.ScaleRewards);
        float[][]? refLogp = null;
        if (_reference is not null)
            refLogp = _reference.LogProbs(ids, gen.Tokens, cancel).Select(x => x.PerToken).ToArray();
        _rollout = new Rollout { PromptIndex = promptIndex, Completion = gen.Tokens, Advantages = adv, RefLogp = refLogp, TotalTokens = total };
        metrics.Set("reward", stats.RewardMean);
        metrics.Set("reward_std", stats.RewardStd);
        metrics.Set("frac_reward_zero_std", stats.FracRewardZeroStd);
        metrics.Set("completions/mean_length", lengths / n);
        metrics.Set("completions/clipped_ratio", clipped / n);
    }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        var ro = _rollout ?? throw new InvalidOperationException("GRPO has no rollout; BeginStep must run first.");
        int G = Options.NumGenerations, first = _cursor, rowsN = examples.Length * G;
        _cursor += rowsN;
        var rows = new TokenizedPair[rowsN];
        for (int r = 0; r < rowsN; r++) rows[r] = new TokenizedPair(_promptIds[ro.PromptIndex[first + r]], ro.Completion[first + r]);
        var batch = SequenceBatch.Build(rows, _tokenizer.PadId, model.Config.BlockSize);
        var pass = model.Policy(batch);
        int B = batch.B, T = batch.T, N = B * T;
        var mask = new float[N];
        var old = new float[N];
        var refLp = ro.RefLogp is null ? Array.Empty<float>() : new float[N];
        ro.OldLogp ??= new float[ro.Completion.Length][];
        double entropy = 0;
        for (int b = 0; b < B; b++)
        {
            int row = first + b, j = 0;
            bool firstIteration = ro.OldLogp[row] is null;
            if (firstIteration) ro.OldLogp[row] = new float[ro.Completion[row].Length];
            foreach (int t in pass.Positions(b))
            {
                mask[t] = 1;
                if (firstIteration) ro.OldLogp[row][j] = pass.LogProb[t];
                old[t] = ro.OldLogp[row][j];
                if (ro.RefLogp is not null) refLp[t] = ro.RefLogp[row][j];
                entropy += pass.Entropy[t];
                j++;
            }
        }
        var adv = ro.Advantages.AsSpan(first, rowsN);
        var dlogp = new float[N];
        var lossOptions = new GrpoLossOptions
        {
            Epsilon = Options.Epsilon,
            EpsilonHigh = Options.EpsilonHigh,
            Beta = Options.Beta,
            LossType = Options.LossType,
            // Our rows hold prompt + completion (T positions); Dr. GRPO's denominator is B·max_completion_length,
            // so the loss is taken over B·T and rescaled by T / max_completion_length below.
            MaxCompletionLength = 0,
        };
        bool dapo = Options.LossType == GrpoLossType.Dapo;
        float drScale = Options.LossType == GrpoLossType.DrGrpo ? (float)T / Options.MaxCompletionLength : 1f;
        var stats = GrpoLoss.Compute(pass.LogProb, old, refLp, adv, mask, dlogp, B, T, lossOptions,
            gradScale: dapo ? 1f : lossScale * drScale, dapoTokenCount: dapo ? ro.TotalTokens : 0f);
        stats = stats with { Loss = stats.Loss * drScale };
        pass.Backward(dlogp);
        int tokens = batch.TargetCount;
        double share = dapo ? (double)tokens / ro.TotalTokens : lossScale;
        // The DAPO loss of a micro-batch is already its share of the step's loss; report the step's sum.
        if (dapo) metrics.Sum("loss", stats.Loss);
        else metrics.Mean("loss", stats.Loss, lossScale);
        metrics.Mean("entropy", entropy / Math.Max(1, tokens), share);
        if (Options.Beta > 0) metrics.Mean("kl", stats.Kl, share);
        metrics.Mean("clip_ratio/region_mean", stats.ClipRatioRegion, share);
        foreach (var r in rows) _tokensSeen += r.Length;
        metrics.Set("num_tokens", _tokensSeen);
        return stats.Loss;
    }

    public void EndStep(ITrainableGpt model, int step, MetricBag metrics)
    {
        // After its last iteration the batch is spent; dropping it keeps it out of a checkpoint at the boundary.
        if ((step + 1) % Options.NumIterations == 0) _rollout = null;
    }

    /// <summary>
    /// The state a resume needs to continue identically: the token count and, between the iterations of one
    /// generated batch, that batch (floats as exact base64, <see cref="StateJson"/>).
    /// </summary>
    public string? SaveState()
    {
        var o = new JsonObject { ["num_tokens"] = _tokensSeen };
        if (_rollout is { } ro)
        {
            // A checkpoint follows a whole step, so iteration 0 has filled every row's old log-probs.
            var old = ro.OldLogp ?? throw new InvalidOperationException("GRPO rollout has no old log-probs; a checkpoint must follow a whole step.");
            var r = new JsonObject
            {
                ["prompt_index"] = StateJson.Ints(ro.PromptIndex),
                ["completion"] = StateJson.IntRows(ro.Completion),
                ["advantages"] = StateJson.Floats(ro.Advantages),
                ["old_logp"] = StateJson.Rows(old),
            };
            if (ro.RefLogp is not null) r["ref_logp"] = StateJson.Rows(ro.RefLogp);
            o["rollout"] = r;
        }
        return o.ToJsonString();
    }

    public void LoadState(string state)
    {
        var o = JsonNode.Parse(state)?.AsObject() ?? throw new InvalidDataException("GRPO state is not a JSON object.");
        _tokensSeen = o["num_tokens"]?.GetValue<double>() ?? 0;
        _rollout = null;
        if (o["rollout"] is not JsonObject r) return;
        var promptIndex = StateJson.FromInts(r["prompt_index"]!);
        var completion = StateJson.FromIntRows(r["completion"]!);
        var advantages = StateJson.FromFloats(r["advantages"]!);
        var old = StateJson.FromRows(r["old_logp"]!);
        var refLogp = r["ref_logp"] is JsonNode refNode ? StateJson.FromRows(refNode) : null;
        if ((refLogp is null) != (_reference is null))
            throw new InvalidDataException($"The GRPO state's rollout {(refLogp is null ? "has no" : "has")} reference log-probs but this run's beta is {Options.Beta}; resume with the beta it was written with.");
        int n = completion.Length;
        if (promptIndex.Length != n || advantages.Length != n || old.Length != n || (refLogp?.Length ?? n) != n)
            throw new InvalidDataException($"The GRPO state's rollout has {n} completions but {promptIndex.Length} prompt indices, {advantages.Length} advantages, "
                + $"{old.Length} old log-prob rows and {refLogp?.Length} reference rows; expected {n} of each.");
        for (int row = 0; row < n; row++)
        {
            if ((uint)promptIndex[row] >= (uint)_prompts.Count)
                throw new InvalidDataException($"The GRPO state's rollout row {row} refers to prompt {promptIndex[row]}; this run has {_prompts.Count} prompts.");
            if (old[row].Length != completion[row].Length || (refLogp?[row].Length ?? completion[row].Length) != completion[row].Length)
                throw new InvalidDataException($"The GRPO state's rollout row {row} has {completion[row].Length} completion tokens but {old[row].Length} old "
                    + $"and {refLogp?[row].Length} reference log-probs; expected one per token.");
        }
        _rollout = new Rollout
        {
            PromptIndex = promptIndex, Completion = completion, Advantages = advantages, RefLogp = refLogp, OldLogp = old,
            TotalTokens = completion.Sum(c => c.Length),
        };
    }

    public void Dispose() => _reference?.Dispose();
}

using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Training.StateJson;

namespace LabelAndAlign.Engine.Training;

/// <summary>PPO settings (TRL's names and current defaults).</summary>
public sealed record PpoOptions : AlgorithmOptions
{
    public override Recipe.Algorithm Algorithm => Recipe.Algorithm.Ppo;

    /// <summary>Optimizer steps on each rollout batch (TRL's num_ppo_epochs, 4).</summary>
    public int NumPpoEpochs { get; init; } = 4;

    /// <summary>Fixed KL coefficient, or the adaptive controller's starting value (TRL: 0.05 fixed; 0.2 adaptive).</summary>
    public float KlCoef { get; init; } = 0.05f;

    public KlEstimator KlEstimator { get; init; } = KlEstimator.K1;

    /// <summary>Use the older adaptive KL controller (target <see cref="KlTarget"/>, horizon <see cref="KlHorizon"/>).</summary>
    public bool AdaptiveKl { get; init; }
    public float KlTarget { get; init; } = 6f;
    public int KlHorizon { get; init; } = 10000;

    public float ClipRange { get; init; } = 0.2f;
    public float ClipRangeValue { get; init; } = 0.2f;
    public float VfCoef { get; init; } = 0.1f;
    public float Gamma { get; init; } = 1f;
    public float Lambda { get; init; } = 0.95f;
    public float Temperature { get; init; } = 0.7f;
    public int MaxCompletionLength { get; init; } = 32;

    /// <summary>Subtracted from the score of a completion that never produced EOS; null = off.</summary>
    public float? MissingEosPenalty { get; init; }

    /// <summary>Learning rate of the value model's own AdamW.</summary>
    public float ValueLearningRate { get; init; } = 1e-3f;

    public override void Validate()
    {
        if (NumPpoEpochs <= 0) throw new ArgumentException($"num_ppo_epochs must be positive, found {NumPpoEpochs}.");
        if (!(KlCoef >= 0)) throw new ArgumentException($"kl_coef must be ≥ 0, found {KlCoef}.");
        if (!(ClipRange > 0 && ClipRange < 1)) throw new ArgumentException($"cliprange must be in (0, 1), found {ClipRange}.");
        if (!(ClipRangeValue > 0)) throw new ArgumentException($"cliprange_value must be positive, found {ClipRangeValue}.");
        if (!(VfCoef >= 0)) throw new ArgumentException($"vf_coef must be ≥ 0, found {VfCoef}.");
        if (!(Gamma >= 0 && Gamma <= 1)) throw new ArgumentException($"gamma must be in [0, 1], found {Gamma}.");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new ArgumentException($"lam must be in [0, 1], found {Lambda}.");
        if (!(Temperature > 0)) throw new ArgumentException($"temperature must be positive, found {Temperature}.");
        if (MaxCompletionLength <= 0) throw new ArgumentException($"max_completion_length must be positive, found {MaxCompletionLength}.");
        if (AdaptiveKl && !(KlTarget > 0)) throw new ArgumentException($"kl target must be positive, found {KlTarget}.");
        if (!(ValueLearningRate > 0)) throw new ArgumentException($"value learning rate must be positive, found {ValueLearningRate}.");
    }
}

/// <summary>
/// PPO for language models, TRL's design: sample one completion per prompt with the policy,
/// score it (reward model or function) on the last real token, subtract <c>kl_coef·kl</c> per token
/// (k1 or k3 to the frozen reference), GAE, whitened advantages, then <see cref="PpoOptions.NumPpoEpochs"/>
/// optimizer steps of the clipped policy loss plus <c>vf_coef</c> × the clipped value loss.
/// <para>
/// The value model is a separate GPT with a scalar head (TRL's value model: the trunk initialised
/// from the reference weights, a fresh head at zero so the first values are 0), read at every
/// position with <see cref="Gpt.ForwardValues"/> (no LM head). It has its own AdamW. Its weights and
/// moments are saved in the checkpoint's <c>value_model</c> folder, the KL coefficient and the current
/// rollout in the trainer state, so a resume continues exactly as the uninterrupted run.
/// </para>
/// </summary>
public sealed class PpoTrainer : ITrainingAlgorithm, IDisposable
{
    private readonly IReadOnlyList<PromptExample> _prompts;
    private readonly int[][] _promptIds;
    private readonly ITokenizer _tokenizer;
    private readonly IRewardFunction _reward;
    private readonly IFrozenGpt _reference;
    private readonly ITrainableGpt _value;
    private readonly IKlController _kl;
    private readonly int _seed;
    private Rollout? _rollout;
    private int _cursor;
    private long _episodes;
    private float _lastKl; // mean sequence KL of the current rollout, fed to the KL controller

    private sealed class Rollout
    {
        public required int[] PromptIndex;
        public required int[][] Completion;
        public required float[][] OldLogp, OldValues, Advantages, Returns; // per row, per completion token
    }

    /// <param name="engine">the run's engine, on which the reference and the value model live (the native one by default)</param>
    public PpoTrainer(IReadOnlyList<PromptExample> prompts, ITokenizer tokenizer, IRewardFunction reward, ParameterTensors reference,
        PpoOptions? options = null, int seed = 1, IGptEngine? engine = null)
    {
        Options = options ?? new PpoOptions();
        Options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("PPO needs at least one prompt.");
        if (reference.Config.ScalarHead) throw new ArgumentException("The PPO reference must be a language model (no scalar head).");
        _prompts = prompts;
        _tokenizer = tokenizer;
        _promptIds = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToArray();
        _reward = reward;
        engine ??= NativeGptEngine.Instance;
        _reference = engine.Frozen(reference);
        // Same trunk as the reference (the LM tensors are a prefix of the scalar-head layout); headw/headb start at zero.
        var valueParams = new ParameterTensors(reference.Config with { ScalarHead = true });
        reference.Data.AsSpan().CopyTo(valueParams.Data);
        valueParams.HeadW.Clear();
        valueParams.HeadB.Clear();
        _value = engine.Trainable(valueParams, new AdamWOptions { LearningRate = Options.ValueLearningRate, WeightDecay = 0 });
        _kl = Options.AdaptiveKl ? new AdaptiveKlController(Options.KlCoef, Options.KlTarget, Options.KlHorizon) : new FixedKlController(Options.KlCoef);
        _seed = seed;
    }

    public PpoOptions Options { get; }
    public string Name => Recipe.Algorithm.Ppo.WireName();
    public int ExampleCount => _prompts.Count;
    public int StepsPerBatch => Options.NumPpoEpochs;

    /// <summary>The current KL coefficient (changes when adaptive).</summary>
    public float KlCoefficient => _kl.Value;

    public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel)
    {
        _cursor = 0;
        _value.ZeroGrad();
        if (iteration != 0 && _rollout is not null) return;
        int n = examples.Count;
        var ids = examples.Select(e => _promptIds[e]).ToList();
        int maxNew = Math.Min(Options.MaxCompletionLength, model.Config.BlockSize + 1 - ids.Max(p => p.Length));
        if (maxNew <= 0) throw new ArgumentException($"A prompt of {ids.Max(p => p.Length)} tokens leaves no room in the block size {model.Config.BlockSize}.");
        var gen = model.Sampler().Generate(ids, new SamplingOptions
        {
            MaxNewTokens = maxNew, Temperature = Options.Temperature, EosId = _tokenizer.EosId, Seed = unchecked(_seed * 1_000_037 + step),
        }, cancel);
        var texts = new string[n];
        for (int r = 0; r < n; r++)
        {
            var t = gen.Tokens[r];
            texts[r] = _tokenizer.Decode(gen.Stopped[r] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
        }
        var scores = _reward.Score(examples.Select(e => _prompts[e]).ToList(), texts, ids, gen.Tokens);
        int eosCount = 0;
        for (int r = 0; r < n; r++)
        {
            if (gen.Stopped[r]) eosCount++;
            else if (Options.MissingEosPenalty is float pen) scores[r] -= pen;
        }

        // Old log-probs and values at rollout time, in one (B, T) layout.
        var rows = new TokenizedPair[n];
        for (int r = 0; r < n; r++) rows[r] = new TokenizedPair(ids[r], gen.Tokens[r]);
        var batch = SequenceBatch.Build(rows, _tokenizer.PadId, model.Config.BlockSize);
        int B = batch.B, T = batch.T, N = B * T;
        var pass = model.Policy(batch);
        var values = _value.Values(batch).Values;
        var refLp = _reference.LogProbs(ids, gen.Tokens, cancel);
        var mask = new float[N];
        var refFlat = new float[N];
        for (int b = 0; b < B; b++)
        {
            int j = 0;
            foreach (int t in pass.Positions(b))
            {
                mask[t] = 1;
                refFlat[t] = refLp[b].PerToken[j++];
            }
        }
        var kl = new float[N];
        KlEstimators.Forward(Options.KlEstimator, pass.LogProb, refFlat, mask, kl);
        var rewards = new float[N];
        // −kl_coef·kl on every response token, the score on the last real one (Rl/PpoTokenRewards).
        var objective = PpoTokenRewards.Compute(kl, scores, mask, rewards, B, T, _kl.Value);
        double seqEntropy = 0;
        for (int t = 0; t < N; t++) if (mask[t] != 0) seqEntropy -= pass.LogProb[t];
        var adv = new float[N];
        var ret = new float[N];
        Gae.Compute(rewards, values, mask, adv, ret, B, T, Options.Gamma, Options.Lambda);
        Whitening.Whiten(adv, mask, adv);

        var ro = new Rollout
        {
            PromptIndex = examples.ToArray(), Completion = gen.Tokens,
            OldLogp = new float[n][], OldValues = new float[n][], Advantages = new float[n][], Returns = new float[n][],
        };
        for (int b = 0; b < B; b++)
        {
            var pos = pass.Positions(b).ToArray();
            ro.OldLogp[b] = pos.Select(t => pass.LogProb[t]).ToArray();
            ro.OldValues[b] = pos.Select(t => values[t]).ToArray();
            ro.Advantages[b] = pos.Select(t => adv[t]).ToArray();
            ro.Returns[b] = pos.Select(t => ret[t]).ToArray();
        }
        _rollout = ro;
        _episodes += n;
        metrics.Set("objective/kl", objective.Kl);
        metrics.Set("objective/entropy", seqEntropy / n);
        metrics.Set("objective/non_score_reward", objective.NonScoreReward);
        metrics.Set("objective/rlhf_reward", objective.RlhfReward);
        metrics.Set("objective/scores", objective.Score);
        metrics.Set("val/num_eos_tokens", eosCount);
        metrics.Set("episode", _episodes);
        _lastKl = objective.Kl;
    }

    /// <summary>The value model (a GPT with a scalar head read at every position).</summary>
    public ITrainableGpt ValueModel => _value;

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        var ro = _rollout ?? throw new InvalidOperationException("PPO has no rollout; BeginStep must run first.");
        int first = _cursor, n = examples.Length;
        _cursor += n;
        var rows = new TokenizedPair[n];
        for (int b = 0; b < n; b++) rows[b] = new TokenizedPair(_promptIds[ro.PromptIndex[first + b]], ro.Completion[first + b]);
        var batch = SequenceBatch.Build(rows, _tokenizer.PadId, model.Config.BlockSize);
        int B = batch.B, T = batch.T, N = B * T;
        var pass = model.Policy(batch);
        var mask = new float[N];
        var old = new float[N];
        var adv = new float[N];
        var ret = new float[N];
        var oldV = new float[N];
        double entropy = 0;
        for (int b = 0; b < B; b++)
        {
            int j = 0, row = first + b;
            foreach (int t in pass.Positions(b))
            {
                mask[t] = 1;
                old[t] = ro.OldLogp[row][j];
                adv[t] = ro.Advantages[row][j];
                ret[t] = ro.Returns[row][j];
                oldV[t] = ro.OldValues[row][j];
                entropy += pass.Entropy[t];
                j++;
            }
        }
        var dlogp = new float[N];
        var pg = PpoLoss.Policy(pass.LogProb, old, adv, mask, dlogp, Options.ClipRange, lossScale);
        pass.Backward(dlogp);

        var valuePass = _value.Values(batch);
        var dv = new float[N];
        var vf = PpoLoss.Value(valuePass.Values, oldV, ret, mask, dv, Options.ClipRangeValue, lossScale);
        valuePass.Backward(dv);

        int tokens = Math.Max(1, batch.TargetCount);
        metrics.Mean("loss/policy_avg", pg.Loss, lossScale);
        metrics.Mean("loss/value_avg", vf.Loss, lossScale);
        metrics.Mean("policy/approxkl_avg", pg.ApproxKl, lossScale);
        metrics.Mean("policy/clipfrac_avg", pg.ClipFrac, lossScale);
        metrics.Mean("val/clipfrac_avg", vf.ClipFrac, lossScale);
        metrics.Mean("val/ratio", pg.RatioMean, lossScale);
        metrics.Mean("policy/entropy_avg", entropy / tokens, lossScale);
        // The trainer guards "loss"; it is PPO's total, pg + vf_coef·vf.
        double loss = pg.Loss + Options.VfCoef * vf.Loss;
        metrics.Mean("loss", loss, lossScale);
        return loss;
    }

    public void EndStep(ITrainableGpt model, int step, MetricBag metrics)
    {
        // The value loss enters the objective with vf_coef; its gradient is scaled here, on its own optimizer.
        _value.ScaleGradients(Options.VfCoef);
        float norm = _value.GradientNorm();
        if (!float.IsFinite(norm)) throw new TrainingDivergedException(step, "value_grad_norm", norm);
        if (GradClip.Coefficient(norm, 1f) is var clip && clip < 1f) _value.ScaleGradients(clip);
        _value.OptimizerStep(Options.ValueLearningRate);
        if (metrics.TryGet("learning_rate", out double lr)) metrics.Set("lr", lr);
        metrics.Set("objective/kl_coef", _kl.Value);
        if ((step + 1) % Options.NumPpoEpochs == 0)
        {
            _kl.Update(_lastKl, _rollout?.Completion.Length ?? 0);
            // The batch is spent: dropping it keeps it out of the state taken at the next step boundary.
            _rollout = null;
        }
    }

    /// <summary>Sub-folder of a checkpoint holding the value model (config.json, model.safetensors, optimizer.safetensors).</summary>
    public const string ValueModelFolder = "value_model";

    /// <summary>
    /// The small state a resume needs to continue identically: the episode count, the KL coefficient and the
    /// current rollout (a checkpoint may fall between the PPO epochs of one batch). The value model and its
    /// AdamW moments are files (<see cref="SaveFiles"/>).
    /// </summary>
    public string? SaveState()
    {
        var o = new JsonObject
        {
            ["episode"] = _episodes,
            ["kl_coef"] = _kl.Value,
            ["last_kl"] = _lastKl,
        };
        if (_rollout is { } ro)
        {
            o["rollout"] = new JsonObject
            {
                ["prompt_index"] = new JsonArray(ro.PromptIndex.Select(i => (JsonNode)i).ToArray()),
                ["completion"] = new JsonArray(ro.Completion.Select(c => (JsonNode)new JsonArray(c.Select(t => (JsonNode)t).ToArray())).ToArray()),
                ["old_logp"] = Rows(ro.OldLogp),
                ["old_values"] = Rows(ro.OldValues),
                ["advantages"] = Rows(ro.Advantages),
                ["returns"] = Rows(ro.Returns),
            };
        }
        return o.ToJsonString();
    }

    public void LoadState(string state)
    {
        var o = JsonNode.Parse(state)?.AsObject() ?? throw new InvalidDataException("PPO state is not a JSON object.");
        _episodes = o["episode"]?.GetValue<long>() ?? 0;
        _lastKl = o["last_kl"]?.GetValue<float>() ?? 0f;
        if (o["kl_coef"] is JsonNode k && _kl is AdaptiveKlController adaptive) adaptive.Restore(k.GetValue<float>());
        _rollout = null;
        if (o["rollout"] is JsonObject r)
        {
            _rollout = new Rollout
            {
                PromptIndex = r["prompt_index"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray(),
                Completion = r["completion"]!.AsArray().Select(c => c!.AsArray().Select(n => n!.GetValue<int>()).ToArray()).ToArray(),
                OldLogp = FromRows(r["old_logp"]!), OldValues = FromRows(r["old_values"]!),
                Advantages = FromRows(r["advantages"]!), Returns = FromRows(r["returns"]!),
            };
        }
    }

    /// <summary>Writes the value model and its AdamW state into <c>&lt;checkpoint&gt;/value_model</c>.</summary>
    public void SaveFiles(string checkpointDir) =>
        Checkpoint.Save(Path.Combine(checkpointDir, ValueModelFolder), _value.Weights(), _value.OptimizerState());

    public void LoadFiles(string checkpointDir)
    {
        string dir = Path.Combine(checkpointDir, ValueModelFolder);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"PPO checkpoint {checkpointDir} has no {ValueModelFolder} folder; it was written before the value model was saved and cannot be resumed identically.");
        var (config, parameters) = Checkpoint.Load(dir);
        if (config != _value.Config)
            throw new InvalidDataException($"{dir} holds a value model of shape {config}; this run's value model is {_value.Config}.");
        _value.LoadWeights(parameters);
        var opt = Checkpoint.LoadOptimizer(dir, parameters.Count)
            ?? throw new FileNotFoundException($"{dir} has no {Checkpoint.OptimizerFileName}; the value model's AdamW state is missing.");
        _value.LoadOptimizerState(opt.State);
    }

    public void Dispose()
    {
        _reference.Dispose();
        _value.Dispose();
    }
}

// E = parallel environments, T = steps per environment per rollout, M = minibatch size.
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>Where training stands after one PPO update; losses and metrics are averaged over its minibatches.</summary>
public readonly record struct CartPoleProgress(
    int Update, int Updates, int Steps, int Episodes, float AvgReturnLast100,
    float PolicyLoss, float ValueLoss, float Entropy, float ApproxKl, float ClipFrac, float LearningRate);

/// <summary>The outcome of <see cref="CartPolePpo.Train"/>.</summary>
/// <param name="EpisodeReturns">every completed training episode's return, in order of completion</param>
public sealed record CartPoleResult(int Steps, int Episodes, float AvgReturnLast100, IReadOnlyList<int> EpisodeReturns);

/// <summary>
/// PPO on CartPole-v1 with the RL core the language-model trainers use: <see cref="Gae.ComputeSegments"/>,
/// <see cref="Whitening.Whiten"/> per minibatch, <see cref="PpoLoss.Policy"/> and <see cref="PpoLoss.Value"/>,
/// then global-norm clipping and Adam over one parameter block. It exists to prove that core right:
/// the task is solved (average return ≥ 475 over 100 episodes) only if the maths is.
/// A time-limit truncation bootstraps: γ·V(final state) is added to the last reward (SB3's handling).
/// Deterministic for a given seed.
/// </summary>
public sealed class CartPolePpo
{
    private const int Obs = CartPoleEnv.ObservationSize;

    private readonly CartPolePpoOptions _o;
    private readonly Random _rng;
    private readonly CartPoleEnv[] _envs;
    private readonly FlatAdam _adam;
    private readonly int _E, _T, _M, _rollout;

    // Rollout, env-major (E, T).
    private readonly float[] _obs, _logp, _values, _rewards, _dones, _advantages, _returns; // obs (E, T, 4)
    private readonly int[] _actions;
    private readonly float[] _current, _bootstrap; // (E, 4), (E)
    private readonly float[] _envReturn;
    private readonly List<int> _episodeReturns = [];

    // Minibatch (M).
    private readonly int[] _perm;
    private readonly int[] _mbActions;
    private readonly float[] _mbObs, _mbOldLogp, _mbLogp, _mbAdv, _mbRet, _mbOldV, _mbV, _ones, _dlogp, _dlogits, _dv, _probs;

    public CartPolePpo(CartPolePpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options;
        _E = options.Envs;
        _T = options.StepsPerEnv;
        _M = options.MinibatchSize;
        _rollout = _E * _T;
        _rng = new Random(options.Seed);
        _envs = new CartPoleEnv[_E];
        for (int e = 0; e < _E; e++) _envs[e] = new CartPoleEnv(unchecked(options.Seed * 7919 + 104729 * (e + 1)));
        Model = new ActorCritic(options.Hidden, Math.Max(_E, _M));
        Model.Initialize(_rng);
        _adam = new FlatAdam(Model.Parameters.Length);

        _obs = new float[_rollout * Obs];
        _logp = new float[_rollout];
        _values = new float[_rollout];
        _rewards = new float[_rollout];
        _dones = new float[_rollout];
        _advantages = new float[_rollout];
        _returns = new float[_rollout];
        _actions = new int[_rollout];
        _current = new float[_E * Obs];
        _bootstrap = new float[_E];
        _envReturn = new float[_E];
        _perm = new int[_rollout];
        _mbActions = new int[_M];
        _mbObs = new float[_M * Obs];
        _mbOldLogp = new float[_M];
        _mbLogp = new float[_M];
        _mbAdv = new float[_M];
        _mbRet = new float[_M];
        _mbOldV = new float[_M];
        _mbV = new float[_M];
        _ones = Enumerable.Repeat(1f, _M).ToArray();
        _dlogp = new float[_M];
        _dlogits = new float[_M * CartPoleEnv.ActionCount];
        _dv = new float[_M];
        _probs = new float[_M * CartPoleEnv.ActionCount];
        for (int e = 0; e < _E; e++) _envs[e].Reset(_current.AsSpan(e * Obs, Obs));
    }

    public ActorCritic Model { get; }

    /// <summary>Runs <see cref="CartPolePpoOptions.TotalSteps"/> environment steps (rounded up to whole rollouts).</summary>
    public CartPoleResult Train(Action<CartPoleProgress>? progress = null, CancellationToken cancel = default)
    {
        int updates = (_o.TotalSteps + _rollout - 1) / _rollout;
        int steps = 0;
        for (int u = 0; u < updates; u++)
        {
            cancel.ThrowIfCancellationRequested();
            Collect();
            steps += _rollout;
            // SB3's linear schedules: the fraction of training remaining after this rollout.
            float remaining = Math.Max(0f, 1f - (float)steps / _o.TotalSteps);
            float lr = _o.AnnealLearningRate ? _o.LearningRate * remaining : _o.LearningRate;
            float clip = _o.AnnealClipRange ? Math.Max(1e-6f, _o.ClipRange * remaining) : _o.ClipRange;
            var p = Update(lr, clip);
            progress?.Invoke(p with { Update = u + 1, Updates = updates, Steps = steps, Episodes = _episodeReturns.Count, AvgReturnLast100 = AvgLast100() });
        }
        return new CartPoleResult(steps, _episodeReturns.Count, AvgLast100(), _episodeReturns.ToArray());
    }

    /// <summary>Average return of the policy's most likely actions over <paramref name="episodes"/> fresh episodes.</summary>
    public float EvaluateGreedy(int episodes, int seed)
    {
        if (episodes <= 0) throw new ArgumentOutOfRangeException(nameof(episodes), $"Episodes must be positive, found {episodes}.");
        var env = new CartPoleEnv(seed);
        Span<float> obs = stackalloc float[Obs];
        double total = 0;
        for (int k = 0; k < episodes; k++)
        {
            env.Reset(obs);
            while (true)
            {
                var logits = Model.Logits(obs, 1);
                var step = env.Step(logits[1] > logits[0] ? 1 : 0, obs);
                total += step.Reward;
                if (step.Done) break;
            }
        }
        return (float)(total / episodes);
    }

    private float AvgLast100()
    {
        int n = Math.Min(100, _episodeReturns.Count);
        if (n == 0) return 0f;
        double sum = 0;
        for (int i = _episodeReturns.Count - n; i < _episodeReturns.Count; i++) sum += _episodeReturns[i];
        return (float)(sum / n);
    }

    private void Collect()
    {
        for (int t = 0; t < _T; t++)
        {
            var logits = Model.Logits(_current, _E);
            var values = Model.Values(_current, _E);
            for (int e = 0; e < _E; e++)
            {
                int i = e * _T + t;
                _current.AsSpan(e * Obs, Obs).CopyTo(_obs.AsSpan(i * Obs, Obs));
                float l0 = logits[2 * e], l1 = logits[2 * e + 1];
                float max = Math.Max(l0, l1);
                float lse = max + MathF.Log(MathF.Exp(l0 - max) + MathF.Exp(l1 - max));
                float p0 = MathF.Exp(l0 - lse);
                int a = _rng.NextDouble() < p0 ? 0 : 1;
                _actions[i] = a;
                _logp[i] = (a == 0 ? l0 : l1) - lse;
                _values[i] = values[e];
            }
            for (int e = 0; e < _E; e++)
            {
                int i = e * _T + t;
                var obs = _current.AsSpan(e * Obs, Obs);
                var step = _envs[e].Step(_actions[i], obs);
                float reward = step.Reward;
                _envReturn[e] += step.Reward;
                if (step.Truncated) reward += _o.Gamma * Model.Values(obs, 1)[0];
                _rewards[i] = reward;
                _dones[i] = step.Done ? 1f : 0f;
                if (step.Done)
                {
                    _episodeReturns.Add((int)_envReturn[e]);
                    _envReturn[e] = 0f;
                    _envs[e].Reset(obs);
                }
            }
        }
        Model.Values(_current, _E).CopyTo(_bootstrap);
        Gae.ComputeSegments(_rewards, _values, _dones, _bootstrap, _advantages, _returns, _E, _T, _o.Gamma, _o.Lambda);
    }

    private CartPoleProgress Update(float lr, float clip)
    {
        double pg = 0, vf = 0, ent = 0, kl = 0, cf = 0;
        int batches = 0;
        for (int i = 0; i < _rollout; i++) _perm[i] = i;
        for (int epoch = 0; epoch < _o.Epochs; epoch++)
        {
            Shuffle(_perm);
            for (int start = 0; start < _rollout; start += _M)
            {
                Gather(start);
                Whitening.Whiten(_mbAdv, _ones, _mbAdv);
                Array.Clear(Model.Gradients);

                var logits = Model.Logits(_mbObs, _M);
                float entropy = LogProbs(logits);
                Array.Clear(_dlogp);
                var ps = PpoLoss.Policy(_mbLogp, _mbOldLogp, _mbAdv, _ones, _dlogp, clip);
                LogitGradients();
                Model.Policy.Backward(Model.PolicyParameters, Model.PolicyGradients, _mbObs, _dlogits, _M);

                Model.Values(_mbObs, _M).CopyTo(_mbV);
                Array.Clear(_dv);
                var vs = PpoLoss.Value(_mbV, _mbOldV, _mbRet, _ones, _dv, _o.ClipRangeValue, _o.ValueCoefficient);
                Model.Value.Backward(Model.ValueParameters, Model.ValueGradients, _mbObs, _dv, _M);

                GradClip.ClipGlobalNorm(Model.Gradients, _o.MaxGradNorm);
                _adam.Step(Model.Parameters, Model.Gradients, lr);

                pg += ps.Loss; vf += vs.Loss; ent += entropy; kl += ps.ApproxKl; cf += ps.ClipFrac;
                batches++;
            }
        }
        return new CartPoleProgress(0, 0, 0, 0, 0f, (float)(pg / batches), (float)(vf / batches), (float)(ent / batches),
            (float)(kl / batches), (float)(cf / batches), lr);
    }

    private void Gather(int start)
    {
        for (int k = 0; k < _M; k++)
        {
            int i = _perm[start + k];
            _obs.AsSpan(i * Obs, Obs).CopyTo(_mbObs.AsSpan(k * Obs, Obs));
            _mbActions[k] = _actions[i];
            _mbOldLogp[k] = _logp[i];
            _mbAdv[k] = _advantages[i];
            _mbRet[k] = _returns[i];
            _mbOldV[k] = _values[i];
        }
    }

    /// <summary>Fills <see cref="_mbLogp"/> and <see cref="_probs"/> from logits (M, 2); returns the mean entropy.</summary>
    private float LogProbs(ReadOnlySpan<float> logits)
    {
        double entropy = 0;
        for (int k = 0; k < _M; k++)
        {
            float l0 = logits[2 * k], l1 = logits[2 * k + 1];
            float max = Math.Max(l0, l1);
            float lse = max + MathF.Log(MathF.Exp(l0 - max) + MathF.Exp(l1 - max));
            float lp0 = l0 - lse, lp1 = l1 - lse;
            float p0 = MathF.Exp(lp0), p1 = MathF.Exp(lp1);
            _probs[2 * k] = p0;
            _probs[2 * k + 1] = p1;
            _mbLogp[k] = _mbActions[k] == 0 ? lp0 : lp1;
            entropy -= p0 * lp0 + p1 * lp1;
        }
        return (float)(entropy / _M);
    }

    /// <summary>
    /// dlogits = ∂L/∂logp · (onehot(a) − p), plus the entropy bonus −c·mean(H):
    /// ∂H/∂z_j = −p_j (log p_j + H).
    /// </summary>
    private void LogitGradients()
    {
        float c = _o.EntropyCoefficient / _M;
        for (int k = 0; k < _M; k++)
        {
            float p0 = _probs[2 * k], p1 = _probs[2 * k + 1];
            int a = _mbActions[k];
            float d = _dlogp[k];
            _dlogits[2 * k] = d * ((a == 0 ? 1f : 0f) - p0);
            _dlogits[2 * k + 1] = d * ((a == 1 ? 1f : 0f) - p1);
            if (c != 0f)
            {
                float lp0 = MathF.Log(Math.Max(p0, 1e-30f)), lp1 = MathF.Log(Math.Max(p1, 1e-30f));
                float h = -(p0 * lp0 + p1 * lp1);
                _dlogits[2 * k] += c * p0 * (lp0 + h);
                _dlogits[2 * k + 1] += c * p1 * (lp1 + h);
            }
        }
    }

    private void Shuffle(int[] a)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = _rng.Next(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }
}

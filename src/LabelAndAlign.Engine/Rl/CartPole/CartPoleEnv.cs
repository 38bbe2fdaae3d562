namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>What one <see cref="CartPoleEnv.Step"/> produced.</summary>
/// <param name="Reward">1 on every step, the terminating one included (Gym's convention)</param>
/// <param name="Terminated">the pole fell past 12° or the cart left ±2.4</param>
/// <param name="Truncated">the episode reached <see cref="CartPoleEnv.MaxEpisodeSteps"/> without terminating</param>
public readonly record struct CartPoleStep(float Reward, bool Terminated, bool Truncated)
{
    public bool Done => Terminated || Truncated;
}

/// <summary>
/// CartPole-v1 exactly as Gym/Gymnasium's classic-control task: a pole hinged on a cart, pushed
/// left (action 0) or right (action 1) with 10 N; explicit Euler with τ = 0.02 s on a float64
/// state; observations are the state as float32 <c>(x, ẋ, θ, θ̇)</c>. Ends when |θ| &gt; 12° or
/// |x| &gt; 2.4, and is truncated at 500 steps (the TimeLimit wrapper). Reset draws each state
/// variable uniformly from ±0.05 with this environment's own seeded generator (System.Random,
/// not NumPy's, so the draws differ from Gym's for the same seed; the dynamics do not).
/// </summary>
public sealed class CartPoleEnv
{
    public const double Gravity = 9.8;
    public const double MassCart = 1.0;
    public const double MassPole = 0.1;
    public const double TotalMass = MassPole + MassCart;
    /// <summary>Half the pole's length (Gym's <c>length</c>).</summary>
    public const double Length = 0.5;
    public const double PoleMassLength = MassPole * Length;
    public const double ForceMag = 10.0;
    public const double Tau = 0.02;
    public const double ThetaThresholdRadians = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;
    public const int MaxEpisodeSteps = 500;
    public const int ObservationSize = 4;
    public const int ActionCount = 2;

    private readonly Random _rng;
    private double _x, _xDot, _theta, _thetaDot;

    public CartPoleEnv(int seed) => _rng = new Random(seed);

    /// <summary>Steps taken in the current episode.</summary>
    public int EpisodeSteps { get; private set; }

    /// <summary>The float64 state (x, ẋ, θ, θ̇).</summary>
    public (double X, double XDot, double Theta, double ThetaDot) State => (_x, _xDot, _theta, _thetaDot);

    /// <summary>Starts an episode and writes the first observation (4).</summary>
    public void Reset(Span<float> observation)
    {
        _x = Uniform();
        _xDot = Uniform();
        _theta = Uniform();
        _thetaDot = Uniform();
        EpisodeSteps = 0;
        Observe(observation);
    }

    /// <summary>Puts the environment in a given state (tests, replays); the episode's step count restarts at 0.</summary>
    public void SetState(double x, double xDot, double theta, double thetaDot, Span<float> observation)
    {
        (_x, _xDot, _theta, _thetaDot) = (x, xDot, theta, thetaDot);
        EpisodeSteps = 0;
        Observe(observation);
    }

    /// <summary>Applies <paramref name="action"/> (0 = push left, 1 = push right) and writes the next observation (4).</summary>
    public CartPoleStep Step(int action, Span<float> observation)
    {
        if (action is not (0 or 1)) throw new ArgumentOutOfRangeException(nameof(action), $"CartPole actions are 0 (left) or 1 (right), found {action}.");
        double force = action == 1 ? ForceMag : -ForceMag;
        double cos = Math.Cos(_theta), sin = Math.Sin(_theta);
        double temp = (force + PoleMassLength * _thetaDot * _thetaDot * sin) / TotalMass;
        double thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
        _x += Tau * _xDot;
        _xDot += Tau * xAcc;
        _theta += Tau * _thetaDot;
        _thetaDot += Tau * thetaAcc;
        EpisodeSteps++;
        Observe(observation);
        bool terminated = _x < -XThreshold || _x > XThreshold || _theta < -ThetaThresholdRadians || _theta > ThetaThresholdRadians;
        return new CartPoleStep(1f, terminated, !terminated && EpisodeSteps >= MaxEpisodeSteps);
    }

    private void Observe(Span<float> observation)
    {
        if (observation.Length < ObservationSize) throw new ArgumentException($"A CartPole observation needs {ObservationSize} floats, found {observation.Length}.");
        observation[0] = (float)_x;
        observation[1] = (float)_xDot;
        observation[2] = (float)_theta;
        observation[3] = (float)_thetaDot;
    }

    private double Uniform() => -0.05 + 0.1 * _rng.NextDouble();
}

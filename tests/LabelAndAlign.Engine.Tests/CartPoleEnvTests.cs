using LabelAndAlign.Engine.Rl.CartPole;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class CartPoleEnvTests
{
    [Fact]
    public void Step_MatchesGymEquations_ComputedInTheFixtureScript()
    {
        var trajectories = Section("cartpole")["trajectories"]!.AsArray();
        Assert.Equal(3, trajectories.Count);
        var env = new CartPoleEnv(0);
        Span<float> obs = stackalloc float[4];
        foreach (var tr in trajectories)
        {
            double[] start = Doubles(tr!, "start"), states = Doubles(tr!, "states");
            var actions = tr!["actions"]!.AsArray().Select(a => a!.GetValue<int>()).ToArray();
            var terminated = tr["terminated"]!.AsArray().Select(a => a!.GetValue<bool>()).ToArray();
            env.SetState(start[0], start[1], start[2], start[3], obs);
            for (int t = 0; t < actions.Length; t++)
            {
                var step = env.Step(actions[t], obs);
                var (x, xDot, theta, thetaDot) = env.State;
                double[] got = [x, xDot, theta, thetaDot];
                for (int k = 0; k < 4; k++)
                {
                    Assert.True(Math.Abs(states[4 * t + k] - got[k]) <= 1e-12, $"step {t} state[{k}]: expected {states[4 * t + k]:R}, got {got[k]:R}");
                    Assert.Equal((float)got[k], obs[k]);
                }
                Assert.Equal(terminated[t], step.Terminated);
                Assert.Equal(1f, step.Reward);
            }
        }
    }

    [Fact]
    public void Reset_DrawsEachVariableWithinFivePercentAndIsSeeded()
    {
        Span<float> a = stackalloc float[4], b = stackalloc float[4];
        var e1 = new CartPoleEnv(42);
        var e2 = new CartPoleEnv(42);
        for (int k = 0; k < 50; k++)
        {
            e1.Reset(a);
            e2.Reset(b);
            Assert.True(a.SequenceEqual(b));
            foreach (var v in a) Assert.InRange(v, -0.05f, 0.05f);
        }
        Assert.Equal(0, e1.EpisodeSteps);
    }

    [Fact]
    public void Step_BalancedPole_IsTruncatedAtFiveHundredSteps()
    {
        var env = new CartPoleEnv(0);
        Span<float> obs = stackalloc float[4];
        env.SetState(0.01, 0, 0.02, 0, obs);
        CartPoleStep step = default;
        for (int t = 1; t <= CartPoleEnv.MaxEpisodeSteps; t++)
        {
            // Push toward the side the pole is falling to: enough to balance it for 500 steps.
            step = env.Step(obs[2] + obs[3] > 0 ? 1 : 0, obs);
            Assert.False(step.Terminated, $"the pole fell at step {t}");
            Assert.Equal(t == CartPoleEnv.MaxEpisodeSteps, step.Truncated);
        }
        Assert.True(step.Done);
    }

    [Fact]
    public void Step_PolePastTwelveDegrees_Terminates()
    {
        var env = new CartPoleEnv(0);
        Span<float> obs = stackalloc float[4];
        env.SetState(0, 0, CartPoleEnv.ThetaThresholdRadians - 1e-4, 1.0, obs);
        Assert.True(env.Step(1, obs).Terminated);
    }

    [Fact]
    public void Step_ThrowsOnUnknownAction()
    {
        var env = new CartPoleEnv(0);
        var obs = new float[4];
        env.Reset(obs);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(2, obs));
    }

    [Fact]
    public void Reset_ThrowsOnShortObservation() =>
        Assert.Throws<ArgumentException>(() => new CartPoleEnv(0).Reset(new float[3]));
}

using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Tests;

public class GptTests
{
    private static readonly GptConfig Small = new() { VocabSize = 32, BlockSize = 8, Channels = 16, Layers = 2, Heads = 2 };

    private static Gpt FromGolden(GptGolden g) => new(g.Parameters());

    [Fact]
    public void Gpt_ForwardAndBackward_MatchPyTorchGolden()
    {
        var g = GptGolden.Load();
        var model = FromGolden(g);
        model.Forward(g.Tokens, g.B, g.T);
        var logits = model.Logits;
        float maxDiff = 0;
        for (int i = 0; i < g.Logits.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(logits[i] - g.Logits[i]));
        Assert.True(maxDiff <= 1e-4f, $"logits differ by up to {maxDiff}");
        float loss = model.Loss(g.Targets);
        Assert.True(Math.Abs(loss - g.Loss) <= 1e-4f, $"loss {loss} vs PyTorch {g.Loss}");

        model.ZeroGrad();
        model.Backward();
        g.AssertGradients(model.Gradients.Data);
    }

    [Fact]
    public void Gpt_TenAdamWSteps_MatchPyTorchLosses()
    {
        var g = GptGolden.Load();
        var model = FromGolden(g);
        var opt = new AdamW(model.Parameters, new AdamWOptions
        {
            LearningRate = g.Lr, Beta1 = g.Beta1, Beta2 = g.Beta2, Epsilon = g.Eps, WeightDecay = g.WeightDecay,
        });
        for (int step = 0; step < g.Steps; step++)
        {
            float loss = model.Forward(g.Tokens, g.Targets, g.B, g.T);
            Assert.True(Math.Abs(loss - g.StepLosses[step]) <= 1e-4f, $"step {step}: loss {loss} vs PyTorch {g.StepLosses[step]}");
            model.ZeroGrad();
            model.Backward();
            opt.Step(model.Gradients);
        }
    }

    [Fact]
    public void Gpt_SameSeed_GivesBitIdenticalTraining()
    {
        var cfg = new GptConfig { VocabSize = 64, BlockSize = 16, Channels = 32, Layers = 2, Heads = 4 };
        float[] Run()
        {
            var model = new Gpt(cfg, seed: 42);
            var opt = new AdamW(model.Parameters, new AdamWOptions { LearningRate = 1e-2f });
            var rng = new Random(7);
            var tokens = Enumerable.Range(0, 4 * 16).Select(_ => rng.Next(64)).ToArray();
            var targets = Enumerable.Range(0, 4 * 16).Select(_ => rng.Next(64)).ToArray();
            var losses = new float[4];
            for (int s = 0; s < losses.Length; s++)
            {
                losses[s] = model.Forward(tokens, targets, 4, 16);
                model.ZeroGrad();
                model.Backward();
                GradClip.ClipGlobalNorm(model.Gradients.Data, 1f);
                opt.Step(model.Gradients);
            }
            return losses;
        }
        var a = Run();
        var b = Run();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        Assert.True(a[^1] < a[0], "training should lower the loss");
    }

    [Fact]
    public void Gpt_InitializeWeights_FollowsGpt2Scheme()
    {
        var model = new Gpt(GptConfig.Tiny, seed: 1);
        var p = model.Parameters;
        Assert.All(p.Ln1W.ToArray(), w => Assert.Equal(1f, w));
        Assert.All(p.FcB.ToArray(), w => Assert.Equal(0f, w));
        double Std(Span<float> x) => Math.Sqrt(x.ToArray().Select(v => (double)v * v).Average());
        Assert.InRange(Std(p.Wte), 0.019, 0.021);
        Assert.InRange(Std(p.FcProjW), 0.02 / Math.Sqrt(4) * 0.95, 0.02 / Math.Sqrt(4) * 1.05);
        Assert.Equal(new Gpt(GptConfig.Tiny, seed: 1).Parameters.Data, p.Data);
        Assert.NotEqual(new Gpt(GptConfig.Tiny, seed: 2).Parameters.Data, p.Data);
    }

    [Fact]
    public void Gpt_InjectedLogitsGrad_EqualsLossPath()
    {
        var model = new Gpt(Small, seed: 3);
        var rng = new Random(4);
        var tokens = Enumerable.Range(0, 2 * 8).Select(_ => rng.Next(32)).ToArray();
        var targets = tokens.Select((_, i) => i % 3 == 0 ? CrossEntropy.IgnoreIndex : rng.Next(32)).ToArray();
        model.Forward(tokens, 2, 8);
        model.Loss(targets);
        var dlogits = model.LogitsGrad.ToArray();
        model.ZeroGrad();
        model.Backward();
        var viaLoss = (float[])model.Gradients.Data.Clone();

        model.Forward(tokens, 2, 8);
        model.ZeroGrad();
        model.Backward(dlogits);
        Assert.Equal(viaLoss, model.Gradients.Data);
    }

    [Fact]
    public void Gpt_ScalarHead_Backward_MatchesFiniteDifferences()
    {
        var cfg = Small with { ScalarHead = true };
        var model = new Gpt(cfg, seed: 5);
        var p = model.Parameters;
        GradCheck.Normal(p.HeadW.Length, 6, 0.5f).CopyTo(p.HeadW);
        GradCheck.Normal(p.LnfB.Length, 7, 0.5f).CopyTo(p.LnfB);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        int[] positions = [5, 7];
        float[] dScalars = [0.7f, -1.3f];
        model.Forward(tokens, 2, 8, positions, computeLogits: false);
        model.ZeroGrad();
        model.Backward(default, dScalars);
        // Check a handful of tensors through the whole stack against central differences in the weights.
        foreach (var name in new[] { "headw", "headb", "lnfw", "fcprojb", "ln1w", "wpe" })
        {
            int t = Array.IndexOf(ParameterTensors.Names, name), off = p.OffsetOf(t);
            int n = Math.Min(p.SizeOf(t), 24);
            var analytic = model.Gradients.Data.AsSpan(off, n).ToArray();
            var x = p.Data.AsSpan(off, n).ToArray();
            GradCheck.Check(name, x, analytic, () =>
            {
                x.CopyTo(p.Data, off);
                model.Forward(tokens, 2, 8, positions, computeLogits: false);
                return GradCheck.Dot(model.Scalars, dScalars);
            }, eps: 1e-2f, atol: 5e-3, rtol: 2e-2);
            x.CopyTo(p.Data, off);
        }
    }

    [Fact]
    public void Gpt_ValuesHead_Backward_MatchesFiniteDifferences()
    {
        var cfg = Small with { ScalarHead = true };
        var model = new Gpt(cfg, seed: 5);
        var p = model.Parameters;
        GradCheck.Normal(p.HeadW.Length, 6, 0.5f).CopyTo(p.HeadW);
        GradCheck.Normal(p.LnfB.Length, 7, 0.5f).CopyTo(p.LnfB);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        float[] dValues = GradCheck.Normal(16, 8);
        dValues[3] = 0f; // a masked position
        model.ForwardValues(tokens, 2, 8);
        model.ZeroGrad();
        model.BackwardValues(dValues);
        foreach (var name in new[] { "headw", "headb", "lnfw", "lnfb", "fcprojb", "attprojw", "ln1w", "wpe", "wte" })
        {
            int t = Array.IndexOf(ParameterTensors.Names, name), off = p.OffsetOf(t);
            int n = Math.Min(p.SizeOf(t), 24);
            var analytic = model.Gradients.Data.AsSpan(off, n).ToArray();
            var x = p.Data.AsSpan(off, n).ToArray();
            GradCheck.Check(name, x, analytic, () =>
            {
                x.CopyTo(p.Data, off);
                model.ForwardValues(tokens, 2, 8);
                return GradCheck.Dot(model.Values, dValues);
            }, eps: 1e-2f, atol: 5e-3, rtol: 2e-2);
            x.CopyTo(p.Data, off);
        }
    }

    [Fact]
    public void Gpt_ValuesHead_MatchesSinglePositionScalars_AndLogitsAreUnchanged()
    {
        var model = new Gpt(Small with { ScalarHead = true }, seed: 11);
        GradCheck.Normal(model.Parameters.HeadW.Length, 12, 0.5f).CopyTo(model.Parameters.HeadW);
        model.Parameters.HeadB[0] = 0.3f;
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
        model.Forward(tokens, 2, 8);
        var logits = model.Logits.ToArray();
        var last = model.Scalars.ToArray();
        for (int pos = 0; pos < 8; pos++)
        {
            model.Forward(tokens, 2, 8, [pos, pos], computeLogits: false);
            var single = model.Scalars.ToArray();
            model.ForwardValues(tokens, 2, 8, computeLogits: pos == 7);
            for (int b = 0; b < 2; b++) Assert.Equal(single[b], model.Values[b * 8 + pos]);
        }
        Assert.Equal(last, model.Scalars.ToArray());
        Assert.Equal(logits, model.Logits.ToArray());
        Assert.Throws<InvalidOperationException>(() => { model.ForwardValues(tokens, 2, 8); return model.Logits.Length; });
    }

    [Fact]
    public void Gpt_ValuesHead_GradientsAddToLogitGradients()
    {
        // Backward from dvalues plus backward from dlogits equals the sum of the two, as in PyTorch's autograd.
        var model = new Gpt(Small with { ScalarHead = true }, seed: 13);
        GradCheck.Normal(model.Parameters.HeadW.Length, 14, 0.5f).CopyTo(model.Parameters.HeadW);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8];
        var dv = GradCheck.Normal(8, 15);
        var dl = GradCheck.Normal(8 * Small.VocabSize, 16, 0.1f);
        model.ForwardValues(tokens, 1, 8, computeLogits: true);
        model.ZeroGrad();
        model.BackwardValues(dv);
        var gv = (float[])model.Gradients.Data.Clone();
        model.ZeroGrad();
        model.Backward(dl);
        var gl = (float[])model.Gradients.Data.Clone();
        model.ZeroGrad();
        dl.CopyTo(model.LogitsGrad);
        dv.CopyTo(model.ValuesGrad);
        model.Backward();
        for (int i = 0; i < gv.Length; i++) Assert.Equal(gv[i] + gl[i], model.Gradients.Data[i], 1e-4f * (1 + Math.Abs(gv[i] + gl[i])));
    }

    [Fact]
    public void Gpt_ForwardValues_ThrowsWithoutScalarHead() =>
        Assert.Throws<InvalidOperationException>(() => new Gpt(Small, seed: 1).ForwardValues(new int[8], 1, 8));

    [Fact]
    public void Gpt_Forward_ThrowsWhenSequenceExceedsBlockSize()
    {
        var model = new Gpt(Small, seed: 1);
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(new int[9], 1, 9));
        Assert.Equal("Sequence length 9 exceeds the model's block size 8", ex.Message.TrimEnd('.'));
    }

    [Fact]
    public void Gpt_Forward_ThrowsOnTokenCountMismatch()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Gpt(Small, seed: 1).Forward(new int[7], 1, 8));
        Assert.Contains("8", ex.Message);
    }

    [Fact]
    public void Gpt_Loss_ThrowsOnTargetCountMismatch()
    {
        var model = new Gpt(Small, seed: 1);
        model.Forward(new int[8], 1, 8);
        Assert.Throws<ArgumentException>(() => model.Loss(new int[7]));
    }

    [Fact]
    public void Gpt_Backward_ThrowsWithoutGradientSource()
    {
        var model = new Gpt(Small, seed: 1);
        Assert.Throws<InvalidOperationException>(() => model.Backward());
        model.Forward(new int[8], 1, 8);
        Assert.Throws<InvalidOperationException>(() => model.Backward());
    }

    [Fact]
    public void Gpt_Scalars_ThrowsWithoutScalarHead()
    {
        var model = new Gpt(Small, seed: 1);
        model.Forward(new int[8], 1, 8);
        Assert.Throws<InvalidOperationException>(() => model.Scalars.Length);
    }

    [Fact]
    public void Gpt_Forward_ThrowsOnScalarPositionOutsideSequence()
    {
        var model = new Gpt(Small with { ScalarHead = true }, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new int[16], 2, 8, [3, 8]));
    }

    [Fact]
    public void Gpt_TokenLogProbs_AreNegativeLosses()
    {
        var model = new Gpt(Small, seed: 9);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8];
        int[] targets = [2, 3, 4, 5, 6, 7, 8, CrossEntropy.IgnoreIndex];
        model.Forward(tokens, 1, 8);
        var lp = new float[8];
        model.TokenLogProbs(targets, lp);
        float loss = model.Loss(targets);
        Assert.Equal(-lp.Take(7).Average(), loss, 5);
        Assert.Equal(0f, lp[7]);
    }
}

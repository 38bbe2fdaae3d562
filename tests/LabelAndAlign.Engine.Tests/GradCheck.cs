namespace LabelAndAlign.Engine.Tests;

/// <summary>Seeded random buffers and a central-difference gradient check shared by the kernel tests.</summary>
internal static class GradCheck
{
    public static float[] Normal(int n, int seed, float std = 1f, float mean = 0f)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            x[i] = mean + std * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return x;
    }

    /// <summary>Σ out·w in double: a scalar "loss" whose gradient with respect to out is w.</summary>
    public static double Dot(ReadOnlySpan<float> output, ReadOnlySpan<float> weights)
    {
        double s = 0;
        for (int i = 0; i < weights.Length; i++) s += (double)output[i] * weights[i];
        return s;
    }

    /// <summary>
    /// Compares <paramref name="analytic"/> with central differences of <paramref name="loss"/> over every
    /// element of <paramref name="x"/>: |numeric − analytic| ≤ atol·max|analytic| + rtol·|analytic|.
    /// </summary>
    public static void Check(string name, float[] x, ReadOnlySpan<float> analytic, Func<double> loss,
        float eps = 1e-2f, double atol = 2e-3, double rtol = 1e-2)
    {
        double scale = 0;
        foreach (var a in analytic) scale = Math.Max(scale, Math.Abs(a));
        Assert.True(scale > 0, $"{name}: analytic gradient is all zero, the check would prove nothing.");
        for (int i = 0; i < x.Length; i++)
        {
            float keep = x[i];
            x[i] = keep + eps;
            double plus = loss();
            x[i] = keep - eps;
            double minus = loss();
            x[i] = keep;
            double numeric = (plus - minus) / (2.0 * eps);
            double err = Math.Abs(numeric - analytic[i]);
            Assert.True(err <= atol * scale + rtol * Math.Abs(analytic[i]),
                $"{name}[{i}]: numeric {numeric:G6} vs analytic {analytic[i]:G6} (max |grad| {scale:G4}).");
        }
    }
}

using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

/// <summary>A textbook GPT-2 forward in double precision, loops only: the independent reference for the inference kernels.</summary>
internal static class NaiveGpt
{
    public static double[][] Logits(ParameterTensors p, int[] tokens)
    {
        var cfg = p.Config;
        int c = cfg.Channels, nh = cfg.Heads, hs = cfg.HeadSize, t = tokens.Length, v = cfg.VocabSize;
        var w = p.Data;
        var x = new double[t][];
        for (int i = 0; i < t; i++)
        {
            x[i] = new double[c];
            for (int j = 0; j < c; j++) x[i][j] = w[p.OffsetOf(0) + tokens[i] * c + j] + w[p.OffsetOf(1) + i * c + j];
        }
        for (int l = 0; l < cfg.Layers; l++)
        {
            var a = x.Select(r => Ln(r, w, p.OffsetOf(2) + l * c, p.OffsetOf(3) + l * c, cfg.LayerNormEpsilon)).ToArray();
            var qkv = a.Select(r => Linear(r, w, p.OffsetOf(4) + l * 3 * c * c, p.OffsetOf(5) + l * 3 * c, 3 * c)).ToArray();
            var y = new double[t][];
            for (int i = 0; i < t; i++)
            {
                y[i] = new double[c];
                for (int h = 0; h < nh; h++)
                {
                    var s = new double[i + 1];
                    for (int u = 0; u <= i; u++)
                    {
                        double d = 0;
                        for (int k = 0; k < hs; k++) d += qkv[i][h * hs + k] * qkv[u][c + h * hs + k];
                        s[u] = d / Math.Sqrt(hs);
                    }
                    double m = s.Max(), z = s.Sum(e => Math.Exp(e - m));
                    for (int u = 0; u <= i; u++)
                        for (int k = 0; k < hs; k++) y[i][h * hs + k] += Math.Exp(s[u] - m) / z * qkv[u][2 * c + h * hs + k];
                }
            }
            for (int i = 0; i < t; i++)
            {
                var proj = Linear(y[i], w, p.OffsetOf(6) + l * c * c, p.OffsetOf(7) + l * c, c);
                for (int j = 0; j < c; j++) x[i][j] += proj[j];
                var m = Ln(x[i], w, p.OffsetOf(8) + l * c, p.OffsetOf(9) + l * c, cfg.LayerNormEpsilon);
                var f = Linear(m, w, p.OffsetOf(10) + l * 4 * c * c, p.OffsetOf(11) + l * 4 * c, 4 * c);
                for (int j = 0; j < f.Length; j++)
                    f[j] = 0.5 * f[j] * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (f[j] + 0.044715 * f[j] * f[j] * f[j])));
                var o = Linear(f, w, p.OffsetOf(12) + l * 4 * c * c, p.OffsetOf(13) + l * c, c);
                for (int j = 0; j < c; j++) x[i][j] += o[j];
            }
        }
        return x.Select(r =>
        {
            var n = Ln(r, w, p.OffsetOf(14), p.OffsetOf(15), cfg.LayerNormEpsilon);
            var logits = new double[v];
            for (int j = 0; j < v; j++)
                for (int k = 0; k < c; k++) logits[j] += n[k] * w[p.OffsetOf(0) + j * c + k];
            return logits;
        }).ToArray();
    }

    private static double[] Ln(double[] x, float[] w, int g, int b, float eps)
    {
        double mean = x.Average(), var = x.Sum(e => (e - mean) * (e - mean)) / x.Length;
        return x.Select((e, j) => (e - mean) / Math.Sqrt(var + eps) * w[g + j] + w[b + j]).ToArray();
    }

    /// <summary>W stored (out, in).</summary>
    private static double[] Linear(double[] x, float[] w, int wOff, int bOff, int outDim)
    {
        int k = x.Length;
        var y = new double[outDim];
        for (int o = 0; o < outDim; o++)
        {
            double s = w[bOff + o];
            for (int j = 0; j < k; j++) s += w[wOff + o * k + j] * x[j];
            y[o] = s;
        }
        return y;
    }
}

namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>
/// <c>torch.nn.init.orthogonal_</c> for small matrices: Gaussian draws made orthonormal by
/// Gram–Schmidt (equivalent to QR with a positive diagonal), then scaled by the gain.
/// </summary>
internal static class Orthogonal
{
    /// <param name="weight">(rows, cols) written</param>
    public static void Fill(Span<float> weight, int rows, int cols, float gain, Random rng)
    {
        // Orthonormalise the k = min(rows, cols) vectors of length n = max(rows, cols).
        int n = Math.Max(rows, cols), k = Math.Min(rows, cols);
        var q = new double[k * n];
        for (int i = 0; i < q.Length; i++) q[i] = Gaussian(rng);
        for (int j = 0; j < k; j++)
        {
            var v = q.AsSpan(j * n, n);
            for (int p = 0; p < j; p++)
            {
                var u = q.AsSpan(p * n, n);
                double dot = 0;
                for (int i = 0; i < n; i++) dot += u[i] * v[i];
                for (int i = 0; i < n; i++) v[i] -= dot * u[i];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += v[i] * v[i];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) v[i] /= norm;
        }
        // rows ≤ cols: the k vectors are the rows; otherwise they are the columns.
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                weight[r * cols + c] = (float)(gain * (rows <= cols ? q[r * n + c] : q[c * n + r]));
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

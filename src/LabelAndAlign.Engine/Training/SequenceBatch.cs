namespace LabelAndAlign.Engine.Training;

/// <summary>One training sequence: prompt ids (never trained on) then completion ids (trained; ends with EOS when the data has one).</summary>
/// <paramref name="CompletionMask"/>, when given, marks which completion tokens are trained (packing puts later prompts inside the completion).
public sealed record TokenizedPair(int[] Prompt, int[] Completion, bool[]? CompletionMask = null)
{
    public int Length => Prompt.Length + Completion.Length;
}

// B = rows, T = padded length
/// <summary>
/// Rows of prompt+completion laid out as (B, T) next-token inputs and targets, right-padded:
/// input position t predicts token t+1; targets are -100 on prompt predictions and padding, so
/// the loss covers exactly the completion tokens — including a final EOS, which is a real
/// target, never mistaken for padding (padding is recognised by position, not by id).
/// </summary>
public sealed class SequenceBatch
{
    private SequenceBatch(int b, int t)
    {
        B = b;
        T = t;
        Inputs = new int[b * t];
        Targets = new int[b * t];
        LastPosition = new int[b];
        CompletionTokens = new int[b];
    }

    public int B { get; }
    public int T { get; }

    /// <summary>(B, T) input ids, padded with the pad id.</summary>
    public int[] Inputs { get; }

    /// <summary>(B, T) next-token targets, -100 where not trained.</summary>
    public int[] Targets { get; }

    /// <summary>(B) index in the row of the last real input token (where a scalar head reads).</summary>
    public int[] LastPosition { get; }

    /// <summary>(B) completion tokens scored in the row.</summary>
    public int[] CompletionTokens { get; }

    /// <summary>Number of trained targets in the whole batch.</summary>
    public int TargetCount { get; private set; }

    /// <summary>
    /// Next-token layout: a row of n tokens gives n−1 inputs (the last token is only a target).
    /// With <paramref name="scoreLastToken"/> the whole row is input (T = n), for reward models that read the final token.
    /// </summary>
    public static SequenceBatch Build(IReadOnlyList<TokenizedPair> rows, int padId, int blockSize, bool scoreLastToken = false)
    {
        if (rows.Count == 0) throw new ArgumentException("A batch needs at least one row.");
        int longest = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Prompt.Length == 0 && !scoreLastToken) throw new ArgumentException($"Row {r} has an empty prompt; the first completion token needs context (start with EOS).");
            int n = scoreLastToken ? row.Length : row.Length - 1;
            if (n <= 0) throw new ArgumentException($"Row {r} has {row.Length} tokens; nothing to train on.");
            if (n > blockSize) throw new ArgumentException($"Row {r} needs {n} positions; the model's block size is {blockSize}. Shorten max_length or drop the row.");
            longest = Math.Max(longest, n);
        }
        var batch = new SequenceBatch(rows.Count, longest);
        int T = longest;
        Array.Fill(batch.Inputs, padId);
        Array.Fill(batch.Targets, TokenLogits.Ignore);
        int count = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var (p, c, mask) = (rows[r].Prompt, rows[r].Completion, rows[r].CompletionMask);
            int len = p.Length + c.Length;
            int n = scoreLastToken ? len : len - 1;
            for (int t = 0; t < n; t++) batch.Inputs[r * T + t] = t < p.Length ? p[t] : c[t - p.Length];
            if (!scoreLastToken)
            {
                int scored = 0;
                for (int t = Math.Max(0, p.Length - 1); t < n; t++)
                {
                    int j = t + 1 - p.Length;
                    if (mask is not null && !mask[j]) continue;
                    batch.Targets[r * T + t] = c[j];
                    scored++;
                }
                count += scored;
                batch.CompletionTokens[r] = scored;
            }
            batch.LastPosition[r] = n - 1;
        }
        batch.TargetCount = count;
        return batch;
    }
}

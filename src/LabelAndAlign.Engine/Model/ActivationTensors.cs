namespace LabelAndAlign.Engine.Model;

// B = batch, T = sequence, C = channels, V = vocab, NH = heads, L = layers
/// <summary>
/// Every activation of one forward pass, plus the backward pass's scratch gradients, in one
/// <c>float[]</c> with named slices (llm.c's layout). Sized for a (B, T); <see cref="Resize"/> keeps the
/// block when the new shape fits and reallocates only when B·T grows past it.
/// Backward scratch (the <c>D…</c> slices) holds one layer at a time and is reused down the stack.
/// </summary>
public sealed class ActivationTensors
{
    /// <summary>The slices in storage order.</summary>
    public static readonly string[] Names =
    [
        "encoded", "ln1", "ln1_mean", "ln1_rstd", "qkv", "atty", "att", "residual2", "ln2", "ln2_mean", "ln2_rstd",
        "fch", "fch_gelu", "residual3", "lnf", "lnf_mean", "lnf_rstd", "logits", "logsumexp", "losses", "scalars",
        "dlogits", "dscalars", "dresidual", "dln", "datty", "dqkv", "dfch_gelu", "dfch", "datt",
    ];

    private readonly long[] _offsets = new long[Names.Length];
    private readonly long[] _sizes = new long[Names.Length];
    private float[] _data = [];

    public ActivationTensors(GptConfig config, int batch, int sequence)
    {
        config.Validate();
        Config = config;
        Resize(batch, sequence);
    }

    public GptConfig Config { get; }

    /// <summary>B the slices are laid out for.</summary>
    public int Batch { get; private set; }

    /// <summary>T the slices are laid out for.</summary>
    public int Sequence { get; private set; }

    /// <summary>Floats in use for the current (B, T); the block may be larger.</summary>
    public long Count { get; private set; }

    /// <summary>The one allocation behind every slice.</summary>
    public float[] Data => _data;

    /// <summary>Lays the slices out for (B, T), reallocating only when the block is too small.</summary>
    public void Resize(int batch, int sequence)
    {
        if (batch <= 0 || sequence <= 0)
            throw new ArgumentException($"Batch and sequence length must be positive, found B={batch} T={sequence}.");
        if (sequence > Config.BlockSize)
            throw new ArgumentException($"Sequence length {sequence} exceeds the model's block size {Config.BlockSize}.");
        long b = batch, t = sequence, c = Config.Channels, l = Config.Layers, nh = Config.Heads, v = Config.VocabSize;
        long bt = b * t;
        long[] sizes =
        [
            bt * c,            // encoded   (B, T, C)
            l * bt * c,        // ln1       (L, B, T, C)
            l * bt,            // ln1_mean  (L, B, T)
            l * bt,            // ln1_rstd  (L, B, T)
            l * bt * 3 * c,    // qkv       (L, B, T, 3C)
            l * bt * c,        // atty      (L, B, T, C)
            l * b * nh * t * t,// att       (L, B, NH, T, T)
            l * bt * c,        // residual2 (L, B, T, C)
            l * bt * c,        // ln2       (L, B, T, C)
            l * bt,            // ln2_mean  (L, B, T)
            l * bt,            // ln2_rstd  (L, B, T)
            l * bt * 4 * c,    // fch       (L, B, T, 4C)
            l * bt * 4 * c,    // fch_gelu  (L, B, T, 4C)
            l * bt * c,        // residual3 (L, B, T, C)
            bt * c,            // lnf       (B, T, C)
            bt,                // lnf_mean  (B, T)
            bt,                // lnf_rstd  (B, T)
            bt * v,            // logits    (B, T, V)
            bt,                // logsumexp (B, T)
            bt,                // losses    (B, T)
            b,                 // scalars   (B)
            bt * v,            // dlogits   (B, T, V)
            b,                 // dscalars  (B)
            bt * c,            // dresidual (B, T, C)
            bt * c,            // dln       (B, T, C)
            bt * c,            // datty     (B, T, C)
            bt * 3 * c,        // dqkv      (B, T, 3C)
            bt * 4 * c,        // dfch_gelu (B, T, 4C)
            bt * 4 * c,        // dfch      (B, T, 4C)
            b * nh * t * t,    // datt      (B, NH, T, T) attention backward scratch
        ];
        long offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            _offsets[i] = offset;
            _sizes[i] = sizes[i];
            offset += sizes[i];
        }
        if (offset > Array.MaxLength)
            throw new ArgumentException($"Activations for B={batch} T={sequence} need {offset} floats; one block holds at most {Array.MaxLength}. Use a smaller batch or sequence.");
        if (offset > _data.Length) _data = new float[offset];
        Count = offset;
        Batch = batch;
        Sequence = sequence;
    }

    public Span<float> Encoded => Slice(0);
    public Span<float> Ln1 => Slice(1);
    public Span<float> Ln1Mean => Slice(2);
    public Span<float> Ln1Rstd => Slice(3);
    public Span<float> Qkv => Slice(4);
    public Span<float> Atty => Slice(5);
    public Span<float> Att => Slice(6);
    public Span<float> Residual2 => Slice(7);
    public Span<float> Ln2 => Slice(8);
    public Span<float> Ln2Mean => Slice(9);
    public Span<float> Ln2Rstd => Slice(10);
    public Span<float> Fch => Slice(11);
    public Span<float> FchGelu => Slice(12);
    public Span<float> Residual3 => Slice(13);
    public Span<float> Lnf => Slice(14);
    public Span<float> LnfMean => Slice(15);
    public Span<float> LnfRstd => Slice(16);
    public Span<float> Logits => Slice(17);
    public Span<float> LogSumExp => Slice(18);
    public Span<float> Losses => Slice(19);
    public Span<float> Scalars => Slice(20);
    public Span<float> DLogits => Slice(21);
    public Span<float> DScalars => Slice(22);
    public Span<float> DResidual => Slice(23);
    public Span<float> DLn => Slice(24);
    public Span<float> DAtty => Slice(25);
    public Span<float> DQkv => Slice(26);
    public Span<float> DFchGelu => Slice(27);
    public Span<float> DFch => Slice(28);
    public Span<float> DAtt => Slice(29);

    /// <summary>Slice <paramref name="index"/> (position in <see cref="Names"/>) for the current (B, T).</summary>
    public Span<float> Slice(int index) => _data.AsSpan((int)_offsets[index], (int)_sizes[index]);
}

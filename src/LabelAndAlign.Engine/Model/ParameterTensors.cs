namespace LabelAndAlign.Engine.Model;

// V = vocab, Tmax = block size, C = channels, L = layers
/// <summary>
/// Every weight of a GPT in one <c>float[]</c>, handed out as named slices (llm.c's layout).
/// Gradients and AdamW moments use the same layout, so one instance type serves all four.
/// Matrices are stored (out, in): a linear layer computes <c>out = in · Wᵀ + b</c>.
/// Hugging Face's Conv1D tensors are (in, out) and are transposed at load and save.
/// </summary>
public sealed class ParameterTensors
{
    /// <summary>The tensors in storage order, with their shapes.</summary>
    public static readonly string[] Names =
    [
        "wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
        "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb", "headw", "headb",
    ];

    private readonly long[] _offsets = new long[Names.Length];
    private readonly long[] _sizes = new long[Names.Length];

    public ParameterTensors(GptConfig config)
    {
        var layout = Layout(config);
        for (int i = 0; i < layout.Length; i++) (_offsets[i], _sizes[i]) = layout[i];
        long total = _offsets[^1] + _sizes[^1];
        if (total > Array.MaxLength)
            throw new ArgumentException($"Model has {total} parameters; one block holds at most {Array.MaxLength}.");
        Config = config;
        Count = (int)total;
        Data = new float[Count];
    }

    /// <summary>
    /// Offset and length of each tensor of <see cref="Names"/> in the block, without allocating it
    /// (another engine lays its own storage out the same way, so weights, gradients and AdamW moments
    /// move between the two as one copy).
    /// </summary>
    public static (long Offset, long Size)[] Layout(GptConfig config)
    {
        config.Validate();
        long v = config.VocabSize, t = config.BlockSize, c = config.Channels, l = config.Layers;
        long head = config.ScalarHead ? 1 : 0;
        long[] sizes =
        [
            v * c,          // wte      (V, C)
            t * c,          // wpe      (Tmax, C)
            l * c,          // ln1w     (L, C)
            l * c,          // ln1b     (L, C)
            l * 3 * c * c,  // qkvw     (L, 3C, C)
            l * 3 * c,      // qkvb     (L, 3C)
            l * c * c,      // attprojw (L, C, C)
            l * c,          // attprojb (L, C)
            l * c,          // ln2w     (L, C)
            l * c,          // ln2b     (L, C)
            l * 4 * c * c,  // fcw      (L, 4C, C)
            l * 4 * c,      // fcb      (L, 4C)
            l * c * 4 * c,  // fcprojw  (L, C, 4C)
            l * c,          // fcprojb  (L, C)
            c,              // lnfw     (C)
            c,              // lnfb     (C)
            head * c,       // headw    (1, C)  scalar head, absent unless ScalarHead
            head,           // headb    (1)
        ];
        var layout = new (long, long)[sizes.Length];
        long offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            layout[i] = (offset, sizes[i]);
            offset += sizes[i];
        }
        return layout;
    }

    public GptConfig Config { get; }

    /// <summary>Total number of floats.</summary>
    public int Count { get; }

    /// <summary>The one allocation behind every slice.</summary>
    public float[] Data { get; }

    public Span<float> Wte => Slice(0);
    public Span<float> Wpe => Slice(1);
    public Span<float> Ln1W => Slice(2);
    public Span<float> Ln1B => Slice(3);
    public Span<float> QkvW => Slice(4);
    public Span<float> QkvB => Slice(5);
    public Span<float> AttProjW => Slice(6);
    public Span<float> AttProjB => Slice(7);
    public Span<float> Ln2W => Slice(8);
    public Span<float> Ln2B => Slice(9);
    public Span<float> FcW => Slice(10);
    public Span<float> FcB => Slice(11);
    public Span<float> FcProjW => Slice(12);
    public Span<float> FcProjB => Slice(13);
    public Span<float> LnfW => Slice(14);
    public Span<float> LnfB => Slice(15);
    public Span<float> HeadW => Slice(16);
    public Span<float> HeadB => Slice(17);

    /// <summary>Offset of tensor <paramref name="index"/> (position in <see cref="Names"/>) in <see cref="Data"/>.</summary>
    public int OffsetOf(int index) => (int)_offsets[index];

    /// <summary>Length of tensor <paramref name="index"/> (position in <see cref="Names"/>).</summary>
    public int SizeOf(int index) => (int)_sizes[index];

    /// <summary>Tensor <paramref name="index"/> (position in <see cref="Names"/>) as a span.</summary>
    public Span<float> Slice(int index) => Data.AsSpan((int)_offsets[index], (int)_sizes[index]);

    /// <summary>A zeroed block of the same layout (gradients, AdamW moments).</summary>
    public ParameterTensors CreateLike() => new(Config);

    public void Zero() => Array.Clear(Data);
}

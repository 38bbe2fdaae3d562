using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Checkpoints;

// V = vocab, Tmax = block size, C = channels, L = layers
/// <summary>
/// Maps <see cref="ParameterTensors"/> to Hugging Face GPT-2 tensor names and layouts.
/// HF's Conv1D stores (in, out) where we store (out, in), so <c>c_attn</c>, <c>c_proj</c>,
/// <c>c_fc</c> are transposed both ways. Reading accepts what the Hub ships:
/// <list type="bullet">
/// <item>keys with the <c>transformer.</c> prefix (<c>GPT2LMHeadModel</c>) or without (<c>GPT2Model</c>);</item>
/// <item><c>lm_head.weight</c> absent, or present and bit-equal to <c>wte</c> (tied; ignored). An untied head is an error: our LM head is always <c>wte</c>;</item>
/// <item>the buffers <c>h.{i}.attn.bias</c> / <c>h.{i}.attn.masked_bias</c> (causal mask constants), ignored;</item>
/// <item>our scalar head as <c>score.weight</c> (1, C) with optional <c>score.bias</c> (1). HF's
/// <c>GPT2ForSequenceClassification</c> has no bias, so a missing <c>score.bias</c> loads as 0. We always write both.</item>
/// </list>
/// Any other tensor is an error rather than silently dropped weights.
/// </summary>
public static class Gpt2Weights
{
    public const string FileName = "model.safetensors";
    private const string Prefix = "transformer.";

    /// <summary>Every tensor of <paramref name="p"/> under HF names, in HF shapes (Conv1D transposed to (in, out)).</summary>
    public static IEnumerable<SafetensorEntry> ToEntries(ParameterTensors p)
    {
        var cfg = p.Config;
        int c = cfg.Channels;
        long lc = c;
        yield return Entry("transformer.wte.weight", [cfg.VocabSize, lc], p.Data, p.OffsetOf(0), cfg.VocabSize * c);
        yield return Entry("transformer.wpe.weight", [cfg.BlockSize, lc], p.Data, p.OffsetOf(1), cfg.BlockSize * c);
        for (int l = 0; l < cfg.Layers; l++)
        {
            string h = $"transformer.h.{l}.";
            yield return Entry(h + "ln_1.weight", [lc], p.Data, p.OffsetOf(2) + l * c, c);
            yield return Entry(h + "ln_1.bias", [lc], p.Data, p.OffsetOf(3) + l * c, c);
            yield return Conv1D(h + "attn.c_attn.weight", p.Data, p.OffsetOf(4) + l * 3 * c * c, 3 * c, c);
            yield return Entry(h + "attn.c_attn.bias", [3 * lc], p.Data, p.OffsetOf(5) + l * 3 * c, 3 * c);
            yield return Conv1D(h + "attn.c_proj.weight", p.Data, p.OffsetOf(6) + l * c * c, c, c);
            yield return Entry(h + "attn.c_proj.bias", [lc], p.Data, p.OffsetOf(7) + l * c, c);
            yield return Entry(h + "ln_2.weight", [lc], p.Data, p.OffsetOf(8) + l * c, c);
            yield return Entry(h + "ln_2.bias", [lc], p.Data, p.OffsetOf(9) + l * c, c);
            yield return Conv1D(h + "mlp.c_fc.weight", p.Data, p.OffsetOf(10) + l * 4 * c * c, 4 * c, c);
            yield return Entry(h + "mlp.c_fc.bias", [4 * lc], p.Data, p.OffsetOf(11) + l * 4 * c, 4 * c);
            yield return Conv1D(h + "mlp.c_proj.weight", p.Data, p.OffsetOf(12) + l * 4 * c * c, c, 4 * c);
            yield return Entry(h + "mlp.c_proj.bias", [lc], p.Data, p.OffsetOf(13) + l * c, c);
        }
        yield return Entry("transformer.ln_f.weight", [lc], p.Data, p.OffsetOf(14), c);
        yield return Entry("transformer.ln_f.bias", [lc], p.Data, p.OffsetOf(15), c);
        if (cfg.ScalarHead)
        {
            yield return Entry("score.weight", [1, lc], p.Data, p.OffsetOf(16), c);
            yield return Entry("score.bias", [1], p.Data, p.OffsetOf(17), 1);
        }
    }

    private static SafetensorEntry Entry(string name, long[] shape, float[] data, int offset, int length) =>
        new(name, shape, new ReadOnlyMemory<float>(data, offset, length));

    /// <summary>Our (out, in) block written as HF Conv1D (in, out).</summary>
    private static SafetensorEntry Conv1D(string name, float[] data, int offset, int outDim, int inDim)
    {
        var t = new float[outDim * inDim];
        Transpose(data.AsSpan(offset, outDim * inDim), t, outDim, inDim);
        return new SafetensorEntry(name, [inDim, outDim], t);
    }

    /// <summary>src (rows, cols) → dst (cols, rows).</summary>
    private static void Transpose(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < cols; k++)
                dst[k * rows + r] = src[r * cols + k];
    }

    /// <summary>
    /// Reads the weights of <paramref name="file"/> into a new block shaped by <paramref name="config"/>.
    /// The scalar head is present when the file has <c>score.weight</c> (or the config asks for it,
    /// in which case its absence is an error).
    /// </summary>
    public static ParameterTensors Load(SafetensorsFile file, GptConfig config)
    {
        string prefix = file.Contains(Prefix + "wte.weight") ? Prefix
            : file.Contains("wte.weight") ? ""
            : throw new InvalidDataException(
                $"{file.Path}: missing tensor 'transformer.wte.weight' (nor 'wte.weight'); not a GPT-2 checkpoint? " +
                $"Found: {string.Join(", ", file.Tensors.Keys.Order(StringComparer.Ordinal).Take(8))}{(file.Tensors.Count > 8 ? ", …" : "")}.");
        bool scalar = config.ScalarHead || file.Contains("score.weight");
        if (scalar != config.ScalarHead) config = config with { ScalarHead = scalar };
        var p = new ParameterTensors(config);
        int c = config.Channels;
        var used = new HashSet<string>(StringComparer.Ordinal);

        void Read(string name, long[] shape, Span<float> dest)
        {
            var info = file.Info(name);
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"{file.Path}: tensor '{name}' has shape {info.ShapeText}, expected {SafetensorInfo.FormatShape(shape)} for this config " +
                    $"(n_embd={config.Channels}, n_layer={config.Layers}, vocab_size={config.VocabSize}, n_positions={config.BlockSize}).");
            file.ReadInto(name, dest);
            used.Add(name);
        }

        var scratch = new float[4 * c * c];
        void ReadConv1D(string name, int outDim, int inDim, Span<float> dest)
        {
            var s = scratch.AsSpan(0, outDim * inDim);
            Read(name, [inDim, outDim], s);
            Transpose(s, dest, inDim, outDim);
        }

        Read(prefix + "wte.weight", [config.VocabSize, c], p.Wte);
        Read(prefix + "wpe.weight", [config.BlockSize, c], p.Wpe);
        for (int l = 0; l < config.Layers; l++)
        {
            string h = $"{prefix}h.{l}.";
            Read(h + "ln_1.weight", [c], p.Ln1W.Slice(l * c, c));
            Read(h + "ln_1.bias", [c], p.Ln1B.Slice(l * c, c));
            ReadConv1D(h + "attn.c_attn.weight", 3 * c, c, p.QkvW.Slice(l * 3 * c * c, 3 * c * c));
            Read(h + "attn.c_attn.bias", [3 * c], p.QkvB.Slice(l * 3 * c, 3 * c));
            ReadConv1D(h + "attn.c_proj.weight", c, c, p.AttProjW.Slice(l * c * c, c * c));
            Read(h + "attn.c_proj.bias", [c], p.AttProjB.Slice(l * c, c));
            Read(h + "ln_2.weight", [c], p.Ln2W.Slice(l * c, c));
            Read(h + "ln_2.bias", [c], p.Ln2B.Slice(l * c, c));
            ReadConv1D(h + "mlp.c_fc.weight", 4 * c, c, p.FcW.Slice(l * 4 * c * c, 4 * c * c));
            Read(h + "mlp.c_fc.bias", [4 * c], p.FcB.Slice(l * 4 * c, 4 * c));
            ReadConv1D(h + "mlp.c_proj.weight", c, 4 * c, p.FcProjW.Slice(l * 4 * c * c, 4 * c * c));
            Read(h + "mlp.c_proj.bias", [c], p.FcProjB.Slice(l * c, c));
            used.Add(h + "attn.bias");
            used.Add(h + "attn.masked_bias");
        }
        Read(prefix + "ln_f.weight", [c], p.LnfW);
        Read(prefix + "ln_f.bias", [c], p.LnfB);
        if (scalar)
        {
            Read("score.weight", [1, c], p.HeadW);
            if (file.Contains("score.bias")) Read("score.bias", [1], p.HeadB);
        }

        if (file.Contains("lm_head.weight"))
        {
            var head = new float[config.VocabSize * c];
            Read("lm_head.weight", [config.VocabSize, c], head);
            if (!head.AsSpan().SequenceEqual(p.Wte))
                throw new InvalidDataException(
                    $"{file.Path}: 'lm_head.weight' differs from '{prefix}wte.weight'. Untied LM heads are unsupported: " +
                    "this engine always computes logits with the token embedding (weight tying, as GPT-2 does).");
        }

        var unknown = file.Tensors.Keys.Where(k => !used.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException(
                $"{file.Path}: unexpected tensors for a GPT-2 model: {string.Join(", ", unknown.Take(8))}{(unknown.Count > 8 ? ", …" : "")}.");
        return p;
    }
}

namespace LabelAndAlign.Engine.Model;

/// <summary>
/// Shape of a GPT-2-family model. Field names mirror Hugging Face's GPT-2 <c>config.json</c>
/// (<c>vocab_size</c>, <c>n_positions</c>, <c>n_embd</c>, <c>n_layer</c>, <c>n_head</c>,
/// <c>layer_norm_epsilon</c>) so checkpoints move between us and PyTorch unchanged.
/// </summary>
public sealed record GptConfig
{
    /// <summary>V: number of token ids (embedding rows, logits width).</summary>
    public int VocabSize { get; init; } = 2048;

    /// <summary>Tmax: longest sequence the position embedding covers.</summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>C: residual stream width.</summary>
    public int Channels { get; init; } = 256;

    /// <summary>L: transformer blocks.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>NH: attention heads; must divide <see cref="Channels"/>.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>GPT-2 uses 1e-5; kept configurable because imported configs may differ.</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    /// <summary>
    /// Adds a scalar head (C → 1) read at the last real token: the reward model's score or the
    /// PPO value. The LM head stays (tied to the token embedding) either way.
    /// </summary>
    public bool ScalarHead { get; init; }

    /// <summary>HS: channels per head.</summary>
    public int HeadSize => Channels / Heads;

    /// <summary>About 0.5M parameters with a 512-token vocabulary: trains in seconds on a CPU.</summary>
    public static GptConfig Tiny => new() { VocabSize = 512, BlockSize = 128, Channels = 64, Layers = 2, Heads = 4 };

    /// <summary>About 4M parameters with a 2048-token vocabulary: the benchmark shape.</summary>
    public static GptConfig Small => new() { VocabSize = 2048, BlockSize = 128, Channels = 256, Layers = 4, Heads = 4 };

    /// <summary>GPT-2 small (124M) as published.</summary>
    public static GptConfig Gpt2 => new() { VocabSize = 50257, BlockSize = 1024, Channels = 768, Layers = 12, Heads = 12 };

    /// <summary>Named presets, as offered in forms and configs.</summary>
    public static GptConfig Preset(string name) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "gpt2" => Gpt2,
        _ => throw new ArgumentException($"Unknown model preset '{name}'; expected one of: tiny, small, gpt2.", nameof(name)),
    };

    /// <summary>Throws with the offending numbers when the shape cannot form a model.</summary>
    public void Validate()
    {
        if (VocabSize <= 0) throw new ArgumentException($"vocab_size must be positive, found {VocabSize}.");
        if (BlockSize <= 0) throw new ArgumentException($"n_positions must be positive, found {BlockSize}.");
        if (Layers <= 0) throw new ArgumentException($"n_layer must be positive, found {Layers}.");
        if (Heads <= 0 || Channels <= 0 || Channels % Heads != 0)
            throw new ArgumentException($"n_embd ({Channels}) must be a positive multiple of n_head ({Heads}).");
        if (!(LayerNormEpsilon > 0)) throw new ArgumentException($"layer_norm_epsilon must be positive, found {LayerNormEpsilon}.");
    }
}

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// The special tokens our own tokenizers carry, in the id order <see cref="BpeTrainer"/> gives
/// them after the merges. They are whole tokens that plain text never produces:
/// <see cref="ITokenizer.Encode"/> reads "&lt;|user|&gt;" in text as ordinary characters unless
/// asked with <c>allowSpecial: true</c>, which chat templates do.
/// </summary>
public static class SpecialTokens
{
    /// <summary>End of a document or of a turn: sampling stops on it. GPT-2's only special token (id 50256).</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Fills batches to one length; never trained on (masked out of the loss).</summary>
    public const string Pad = "<|pad|>";

    /// <summary>Chat role markers: each message is "&lt;|role|&gt;" + its text + <see cref="EndOfText"/>.</summary>
    public const string System = "<|system|>";

    /// <inheritdoc cref="System"/>
    public const string User = "<|user|>";

    /// <inheritdoc cref="System"/>
    public const string Assistant = "<|assistant|>";

    /// <summary>What <see cref="BpeTrainer"/> adds by default, in id order.</summary>
    public static IReadOnlyList<string> Default { get; } = [EndOfText, Pad, System, User, Assistant];

    /// <summary>Names that mark end-of-text in tokenizers made elsewhere, most likely first.</summary>
    public static IReadOnlyList<string> EndOfTextAliases { get; } = [EndOfText, "</s>", "<|end_of_text|>", "<eos>"];
}

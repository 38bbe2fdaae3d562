namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// Text ↔ token ids, whatever the tokenizer's origin (GPT-2's files, a Hugging Face
/// tokenizer.json, one we trained). Implementations are immutable after construction and safe to
/// share between threads.
/// <para>
/// Unicode: <c>Decode(Encode(s)) == s</c> for every well-formed UTF-16 string (emoji, CJK,
/// combining marks, astral letters). A lone surrogate is not valid Unicode and cannot be written
/// as UTF-8, so it is encoded as U+FFFD and decodes as "\uFFFD", like <see cref="System.Text.Encoding.UTF8"/>.
/// A run of ids that cuts a character's UTF-8 bytes apart decodes to U+FFFD as well; decode the
/// whole sequence, or use <see cref="DecodeBytes"/> when streaming.
/// </para>
/// </summary>
public interface ITokenizer
{
    /// <summary>V: one more than the largest id, the width of the model's embedding and logits.</summary>
    int VocabSize { get; }

    /// <summary>Special token text → id, e.g. "&lt;|endoftext|&gt;" → 50256.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>End of text: appended after each document and each chat turn; sampling stops on it.</summary>
    int EosId { get; }

    /// <summary>Padding id: "&lt;|pad|&gt;" when the tokenizer has one, otherwise <see cref="EosId"/> (GPT-2's custom).</summary>
    int PadId { get; }

    /// <summary>
    /// Token ids of <paramref name="text"/>. With <paramref name="allowSpecial"/> false (the default,
    /// for user-supplied text) special-token text such as "&lt;|endoftext|&gt;" is encoded as the
    /// characters it is made of; with true, each occurrence becomes its special id.
    /// </summary>
    int[] Encode(string text, bool allowSpecial = false);

    /// <summary><see cref="Encode"/> appending to <paramref name="ids"/>, for building a sequence piece by piece.</summary>
    void EncodeInto(ReadOnlySpan<char> text, List<int> ids, bool allowSpecial = false);

    /// <summary>The text of <paramref name="ids"/>; special tokens appear as their text unless <paramref name="skipSpecial"/>.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false);

    /// <summary>The UTF-8 bytes of <paramref name="ids"/>, for streaming output that may stop inside a character.</summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids, bool skipSpecial = false);

    /// <summary>True for the ids of <see cref="SpecialTokens"/>.</summary>
    bool IsSpecial(int id);
}

using System.Globalization;
using System.Text;

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// Splits text into the pieces GPT-2 runs BPE on, exactly as the regex <see cref="Pattern"/> does
/// in tiktoken, OpenAI's encoder.py and Hugging Face's ByteLevel pre-tokenizer — written out as a
/// scanner because .NET's <c>Regex</c> works on UTF-16 chars: it would see an astral letter such
/// as '𝒳' or '𠀀' as two surrogates that are not <c>\p{L}</c>, where the reference engines see one
/// letter. The scanner reads code points (<see cref="Rune"/>); a lone surrogate counts as
/// "other", like U+FFFD, which is what it becomes in UTF-8.
/// <para>
/// Whitespace is Unicode's White_Space property (<see cref="Rune.IsWhiteSpace"/>), as in
/// tiktoken (Rust), the <c>regex</c> module and Oniguruma. JavaScript's <c>\s</c> differs on two
/// code points: it adds U+FEFF (BOM) and leaves out U+0085 (NEL), so js-tiktoken splits text
/// holding those two differently.
/// </para>
/// </summary>
public static class Gpt2PreTokenizer
{
    /// <summary>The GPT-2 pre-tokenisation regex this scanner implements.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private enum Kind : byte { Letter, Number, Space, Other }

    private static readonly Kind[] AsciiKinds = BuildAsciiKinds();

    /// <summary>
    /// End (exclusive) of the piece that starts at <paramref name="start"/>. Pieces tile the
    /// text: call again from the returned index until it reaches <c>text.Length</c>.
    /// </summary>
    public static int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        int n = text.Length;
        if ((uint)start >= (uint)n)
            throw new ArgumentOutOfRangeException(nameof(start), $"Piece start {start} is outside the text of length {n}.");

        char c = text[start];

        // 's 't 're 've 'm 'll 'd — lower case only, as in GPT-2.
        if (c == '\'' && start + 1 < n)
        {
            char d = text[start + 1];
            if (d is 's' or 't' or 'm' or 'd') return start + 2;
            if (start + 2 < n)
            {
                char e = text[start + 2];
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return start + 3;
            }
        }

        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional space, then a run of one kind.
        int runStart = start;
        if (c == ' ' && start + 1 < n && KindAt(text, start + 1, out _) != Kind.Space) runStart = start + 1;
        Kind kind = KindAt(text, runStart, out int width);
        if (kind != Kind.Space)
        {
            int i = runStart + width;
            while (i < n && KindAt(text, i, out width) == kind) i += width;
            return i;
        }

        // "\s+(?!\S)" gives back the last whitespace so that it can lead the next word;
        // "\s+" takes a lone whitespace character before a non-space. Every whitespace
        // code point is in the BMP, so chars count code points here.
        int end = start + 1;
        while (end < n && IsSpace(text[end])) end++;
        if (end == n || end - start == 1) return end;
        return end - 1;
    }

    /// <summary>The pieces of <paramref name="text"/>, for tests and tools; encoding uses <see cref="NextPieceEnd"/>.</summary>
    public static List<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<string>();
        for (int pos = 0; pos < text.Length;)
        {
            int end = NextPieceEnd(text, pos);
            pieces.Add(text[pos..end]);
            pos = end;
        }
        return pieces;
    }

    private static bool IsSpace(char c) => c < 128 ? AsciiKinds[c] == Kind.Space : char.IsWhiteSpace(c);

    private static Kind KindAt(ReadOnlySpan<char> text, int i, out int width)
    {
        char c = text[i];
        if (c < 128)
        {
            width = 1;
            return AsciiKinds[c];
        }
        // A lone surrogate decodes as U+FFFD (a symbol) with width 1.
        Rune.DecodeFromUtf16(text[i..], out Rune r, out width);
        if (Rune.IsWhiteSpace(r)) return Kind.Space;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ => Kind.Other,
        };
    }

    private static Kind[] BuildAsciiKinds()
    {
        var kinds = new Kind[128];
        for (int c = 0; c < 128; c++)
        {
            kinds[c] = char.IsWhiteSpace((char)c) ? Kind.Space
                : char.IsLetter((char)c) ? Kind.Letter
                : char.IsDigit((char)c) ? Kind.Number
                : Kind.Other;
        }
        return kinds;
    }
}

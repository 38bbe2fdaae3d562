using System.Text;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Seeded random Unicode strings for tokenizer property tests.</summary>
internal static class RandomText
{
    private static readonly string[] Fragments =
    [
        " ", " ", "  ", "   ", "\t", " \t", "\u00A0", "\u3000", "\u2009", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'",
        "don't", " I'm", "<|endoftext|>", "<|user|>", "\u200D", "\uFE0F", "e\u0301", "\u0308", "ﬁ", "Ǆ", "½", "²", "Ⅻ",
    ];

    /// <summary>
    /// A string of up to <paramref name="maxParts"/> parts: ASCII words and digits, whitespace,
    /// contractions, accents, CJK, Hangul, emoji, astral letters, long runs. With
    /// <paramref name="anyScalar"/> also any Unicode scalar value (unassigned ones, controls,
    /// U+0085, U+FEFF, line breaks) — for round trips, not for comparing with engines built on
    /// another Unicode version; without it the string holds no '\r' or '\n'.
    /// </summary>
    public static string Next(Random rnd, int maxParts, bool anyScalar)
    {
        var sb = new StringBuilder();
        int parts = rnd.Next(1, maxParts + 1);
        for (int p = 0; p < parts; p++)
        {
            switch (rnd.Next(anyScalar ? 13 : 12))
            {
                case 0: case 1: case 2:
                    for (int i = rnd.Next(1, 9); i > 0; i--) sb.Append((char)('a' + rnd.Next(26)));
                    break;
                case 3: sb.Append((char)('A' + rnd.Next(26))); break;
                case 4: for (int i = rnd.Next(1, 6); i > 0; i--) sb.Append((char)('0' + rnd.Next(10))); break;
                case 5: sb.Append("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~"[rnd.Next(31)]); break;
                case 6: sb.Append(Fragments[rnd.Next(Fragments.Length)]); break;
                case 7: sb.Append((char)rnd.Next(0xC0, 0x250)); break;            // Latin-1 supplement and Latin extended
                case 8: sb.Append((char)(rnd.Next(2) == 0 ? rnd.Next(0x4E00, 0x9FB0) : rnd.Next(0xAC00, 0xD7A4))); break; // CJK, Hangul
                case 9: sb.Append(char.ConvertFromUtf32(rnd.Next(0x1F300, 0x1FA00))); break; // emoji
                case 10: sb.Append(char.ConvertFromUtf32(rnd.Next(2) == 0 ? rnd.Next(0x1D400, 0x1D6A4) : rnd.Next(0x20000, 0x2A6D0))); break; // astral letters
                case 11:
                    // A long run: exercises the heap merge (> 128 bytes) and whitespace backtracking.
                    string unit = new[] { "a", " ", "\t", "7", "é", "日", "!", "ab" }[rnd.Next(8)];
                    for (int i = rnd.Next(20, 200); i > 0; i--) sb.Append(unit);
                    break;
                default:
                    int cp;
                    do cp = rnd.Next(0, 0x110000); while (cp is >= 0xD800 and <= 0xDFFF);
                    sb.Append(char.ConvertFromUtf32(cp));
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// English-like prose of about <paramref name="chars"/> characters: common words and words
    /// built from syllables, so the vocabulary is open-ended as in real text.
    /// </summary>
    public static string EnglishLike(Random rnd, int chars)
    {
        string[] syllables = ["the", "an", "con", "ter", "in", "ing", "re", "pro", "ly", "tion", "ment", "al", "ex", "de", "com", "er", "est", "ous", "ar", "is"];
        string[] common = ["the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "with", "as", "they", "be", "at", "one", "have", "this", "don't", "it's", "we're"];
        var sb = new StringBuilder(chars + 100);
        while (sb.Length < chars)
        {
            for (int w = rnd.Next(5, 25); w > 0; w--)
            {
                if (rnd.Next(2) == 0) sb.Append(common[rnd.Next(common.Length)]);
                else for (int s = rnd.Next(1, 4); s > 0; s--) sb.Append(syllables[rnd.Next(syllables.Length)]);
                if (rnd.Next(12) == 0) sb.Append(',');
                if (rnd.Next(30) == 0) sb.Append(' ').Append(rnd.Next(1, 2025));
                sb.Append(' ');
            }
            sb.Length--;
            sb.Append(rnd.Next(4) == 0 ? ".\n\n" : ". ");
        }
        return sb.ToString();
    }
}

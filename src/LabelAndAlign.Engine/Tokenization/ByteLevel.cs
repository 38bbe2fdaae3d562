namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// GPT-2's byte ↔ character table (<c>bytes_to_unicode</c> in OpenAI's encoder.py, and the
/// <c>ByteLevel</c> pre-tokenizer of Hugging Face <c>tokenizers</c>). Vocabulary files store each
/// token's bytes as a string of these characters so that no token holds whitespace or a control
/// character: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 … U+0143
/// in byte order (space → 'Ġ' U+0120, '\n' → 'Ċ' U+010A).
/// </summary>
public static class ByteLevel
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly short[] CharToByte = BuildCharToByte(ByteToChar); // indexed by char, -1 = not a byte char

    /// <summary>The character that stands for byte <paramref name="b"/>.</summary>
    public static char CharOf(byte b) => ByteToChar[b];

    /// <summary>Token bytes → the string vocabulary files use for them.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        string.Create(bytes.Length, bytes.ToArray(), static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });

    /// <summary>Vocabulary-file string → token bytes; false when a character is not one of the 256.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0)
            {
                bytes = [];
                return false;
            }
            bytes[i] = (byte)b;
        }
        return true;
    }

    /// <summary>Like <see cref="TryDecode"/>, throwing with the offending character named.</summary>
    public static byte[] Decode(string text)
    {
        if (TryDecode(text, out var bytes)) return bytes;
        char bad = text.First(c => c >= CharToByte.Length || CharToByte[c] < 0);
        throw new InvalidDataException(
            $"Token '{text}' holds U+{(int)bad:X4}, which is not one of GPT-2's 256 byte characters; a byte-level vocabulary writes every byte as one of them.");
    }

    private static char[] BuildByteToChar()
    {
        // Printable bytes keep their own code point; the rest take 256, 257, … in byte order.
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var map = new short[256 + 68];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[byteToChar[b]] = (short)b;
        return map;
    }
}

using System.Text.RegularExpressions;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class Gpt2PreTokenizerTests
{
    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("don't you're I'll", new[] { "don", "'t", " you", "'re", " I", "'ll" })]
    [InlineData("a   b", new[] { "a", "  ", " b" })]
    [InlineData("a\n\nb", new[] { "a", "\n", "\n", "b" })]
    [InlineData("end   ", new[] { "end", "   " })]
    [InlineData(" \tx", new[] { " ", "\t", "x" })]
    [InlineData("x  !!", new[] { "x", " ", " !!" })]
    [InlineData("abc123 456!?", new[] { "abc", "123", " 456", "!?" })]
    [InlineData("!'s", new[] { "!'", "s" })]
    [InlineData("'S 'tis", new[] { "'", "S", " '", "tis" })]
    public void Split_FollowsTheRegex(string text, string[] pieces)
    {
        Assert.Equal(pieces, Gpt2PreTokenizer.Split(text));
    }

    [Fact]
    public void Split_AstralLetters_StayOnePiece()
    {
        // .NET's Regex would see two surrogates that are not \p{L}; tiktoken sees letters.
        Assert.Equal([" 𝒳𝒴𠀀abc"], Gpt2PreTokenizer.Split(" 𝒳𝒴𠀀abc"));
        Assert.Equal(["x", "😀😀", " y"], Gpt2PreTokenizer.Split("x😀😀 y"));
    }

    [Fact]
    public void Split_LoneSurrogate_IsOther()
    {
        Assert.Equal(["x", "\uD800", "y"], Gpt2PreTokenizer.Split("x\uD800y"));
    }

    [Fact]
    public void Split_NextLineAndByteOrderMark_FollowUnicodeWhiteSpace()
    {
        // U+0085 is White_Space (tiktoken, HF) and U+FEFF is not; JavaScript's \s has it the other way round.
        Assert.Equal(["a", "\u0085", "b"], Gpt2PreTokenizer.Split("a\u0085b"));
        Assert.Equal(["a", "\uFEFF", "b"], Gpt2PreTokenizer.Split("a\uFEFFb"));
    }

    [Fact]
    public void Split_RandomBmpText_MatchesDotNetRegex()
    {
        // On text without surrogates .NET's Regex has the reference semantics (its \s is White_Space).
        var regex = new Regex(Gpt2PreTokenizer.Pattern);
        var rnd = new Random(99);
        string alphabet = "ab Z9'srtvemld \t\n\u00A0\u3000\u0085日é\u0301!?.,-²½";
        for (int i = 0; i < 2000; i++)
        {
            var chars = new char[rnd.Next(1, 40)];
            for (int k = 0; k < chars.Length; k++)
                chars[k] = rnd.Next(10) == 0 ? (char)rnd.Next(0x20, 0xD800) : alphabet[rnd.Next(alphabet.Length)];
            string text = new(chars);
            var expected = regex.Matches(text).Select(m => m.Value).ToList();
            Assert.Equal(expected, Gpt2PreTokenizer.Split(text));
        }
    }

    [Fact]
    public void NextPieceEnd_StartOutsideText_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2PreTokenizer.NextPieceEnd("abc", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2PreTokenizer.NextPieceEnd("abc", -1));
    }

    [Fact]
    public void Split_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Gpt2PreTokenizer.Split(null!));
    }
}

using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class BpeTokenizerTests
{
    private static BpeTokenizer Gpt2 => TokenizerPeer.Gpt2;

    [Fact]
    public void Encode_HelloWorld_GivesGpt2Ids()
    {
        Assert.Equal([15496, 995], Gpt2.Encode("Hello world"));
        Assert.Equal(50257, Gpt2.VocabSize);
        Assert.Equal(50256, Gpt2.EosId);
        Assert.Equal(Gpt2.EosId, Gpt2.PadId); // GPT-2 has no pad token
    }

    [Fact]
    public void Encode_Corpus_MatchesJsTiktoken()
    {
        var lines = File.ReadAllLines(TokenizerPeer.CorpusPath, Encoding.UTF8);
        Assert.True(lines.Length >= 200, $"The corpus has {lines.Length} lines; expected about 200.");
        AssertSameIds(lines, TokenizerPeer.EncodeWithJsTiktoken(lines), line => Gpt2.Encode(line));
    }

    [Fact]
    public void Encode_CorpusAllowingSpecial_MatchesJsTiktoken()
    {
        var lines = File.ReadAllLines(TokenizerPeer.CorpusPath, Encoding.UTF8);
        AssertSameIds(lines, TokenizerPeer.EncodeWithJsTiktoken(lines, allowSpecial: true), line => Gpt2.Encode(line, allowSpecial: true));
    }

    [Fact]
    public void Encode_RandomUnicode_MatchesJsTiktoken()
    {
        var rnd = new Random(20240601);
        var lines = Enumerable.Range(0, 400).Select(_ => RandomText.Next(rnd, 40, anyScalar: false)).ToArray();
        AssertSameIds(lines, TokenizerPeer.EncodeWithJsTiktoken(lines), line => Gpt2.Encode(line));
    }

    [Fact]
    public void DecodeOfEncode_RandomUnicode_RoundTrips()
    {
        var rnd = new Random(7);
        for (int i = 0; i < 1000; i++)
        {
            string s = RandomText.Next(rnd, 30, anyScalar: true);
            Assert.Equal(s, Gpt2.Decode(Gpt2.Encode(s)));
            Assert.Equal(s, Gpt2.Decode(Gpt2.Encode(s, allowSpecial: true)));
        }
    }

    [Fact]
    public void Encode_LoneSurrogate_DecodesAsReplacementCharacter()
    {
        // Not valid UTF-16, so it cannot be UTF-8: it is encoded as U+FFFD, like Encoding.UTF8 does.
        var ids = Gpt2.Encode("a\uD800b\uDC00");
        Assert.Equal("a\uFFFDb\uFFFD", Gpt2.Decode(ids));
        Assert.Equal(Gpt2.Encode("a\uFFFDb\uFFFD"), ids);
    }

    [Fact]
    public void Encode_SpecialTokenText_IsPlainTextUnlessAllowed()
    {
        var plain = Gpt2.Encode("<|endoftext|>");
        Assert.DoesNotContain(50256, plain);
        Assert.Equal("<|endoftext|>", Gpt2.Decode(plain));

        Assert.Equal([50256], Gpt2.Encode("<|endoftext|>", allowSpecial: true));
        Assert.Equal([15496, 50256, 995], Gpt2.Encode("Hello<|endoftext|> world", allowSpecial: true));
    }

    [Fact]
    public void Decode_SkipSpecial_LeavesOutSpecialTokens()
    {
        var ids = Gpt2.Encode("Hello<|endoftext|> world", allowSpecial: true);
        Assert.Equal("Hello<|endoftext|> world", Gpt2.Decode(ids));
        Assert.Equal("Hello world", Gpt2.Decode(ids, skipSpecial: true));
        Assert.True(Gpt2.IsSpecial(50256));
        Assert.False(Gpt2.IsSpecial(995));
    }

    [Fact]
    public void DecodeBytes_TokenSplittingACharacter_GivesItsBytes()
    {
        // '🤗' is four UTF-8 bytes that GPT-2 spells with more than one token.
        var ids = Gpt2.Encode("🤗");
        Assert.True(ids.Length > 1);
        Assert.Equal(Encoding.UTF8.GetBytes("🤗"), Gpt2.DecodeBytes(ids));
        Assert.Contains('\uFFFD', Gpt2.Decode(ids.AsSpan(0, 1)));
    }

    [Fact]
    public void Decode_UnknownId_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Decode([15496, 50257]));
        Assert.Contains("50257", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Decode([-1]));
    }

    [Fact]
    public void Encode_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Gpt2.Encode(null!));
    }

    [Fact]
    public void EncodeInto_Appends()
    {
        var ids = new List<int> { 7 };
        Gpt2.EncodeInto("Hello world", ids);
        Assert.Equal([7, 15496, 995], ids);
    }

    [Fact]
    public void EncodeInto_NullList_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => Gpt2.EncodeInto("x", null!));
    }

    [Fact]
    public void Encode_ManyThreads_GiveTheSameIds()
    {
        var lines = File.ReadAllLines(TokenizerPeer.CorpusPath, Encoding.UTF8);
        var fresh = Gpt2EncoderFiles.Load(TokenizerPeer.Gpt2Directory); // empty cache, filled concurrently
        var expected = lines.Select(l => Gpt2.Encode(l)).ToArray();
        var actual = new int[lines.Length][];
        Parallel.For(0, lines.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            actual[i % lines.Length] = fresh.Encode(lines[i % lines.Length]));
        for (int i = 0; i < lines.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public void Encode_LargeText_EqualsEncodingItsLinesOneByOne()
    {
        // Throughput is measured by `lna bench tokenize`; here the long-input path (word cache
        // warm and full) must give the same ids as short inputs do.
        string text = RandomText.EnglishLike(new Random(3), 400_000);
        var tokenizer = Gpt2EncoderFiles.Load(TokenizerPeer.Gpt2Directory);
        var whole = tokenizer.Encode(text);
        var fresh = Gpt2EncoderFiles.Load(TokenizerPeer.Gpt2Directory);
        // Cut before each " word" that follows a non-space: GPT-2's pre-tokenizer starts a piece there.
        var pieces = new List<int>();
        int start = 0;
        for (int i = 1; i + 1 < text.Length; i++)
            if (text[i] == ' ' && char.IsLetter(text[i + 1]) && !char.IsWhiteSpace(text[i - 1]))
            {
                pieces.AddRange(fresh.Encode(text[start..i]));
                start = i;
            }
        pieces.AddRange(fresh.Encode(text[start..]));
        Assert.True(whole.Length > 60_000);
        Assert.Equal(pieces, whole);
    }

    [Fact]
    public void Constructor_MissingByteToken_Throws()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => b == 65 ? null : new[] { (byte)b }).ToArray();
        var e = Assert.Throws<InvalidDataException>(() =>
            new BpeTokenizer(tokens, [], new Dictionary<string, int> { ["<|endoftext|>"] = 256 }));
        Assert.Contains("0x41", e.Message);
    }

    [Fact]
    public void Constructor_NoEndOfTextToken_Throws()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToArray();
        var e = Assert.Throws<InvalidDataException>(() =>
            new BpeTokenizer(tokens, [], new Dictionary<string, int> { ["<|pad|>"] = 256 }));
        Assert.Contains("<|endoftext|>", e.Message);
    }

    [Fact]
    public void Constructor_MergeMakingUnknownToken_Throws()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToArray();
        var e = Assert.Throws<InvalidDataException>(() =>
            new BpeTokenizer(tokens, [('a', 'b')], new Dictionary<string, int> { ["<|endoftext|>"] = 256 }));
        Assert.Contains("'ab'", e.Message);
    }

    [Fact]
    public void Constructor_SpecialIdOnOrdinaryToken_Throws()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToArray();
        Assert.Throws<ArgumentException>(() =>
            new BpeTokenizer(tokens, [], new Dictionary<string, int> { ["<|endoftext|>"] = 3 }));
    }

    [Fact]
    public void Encode_MergeRanks_DecideOverTokenIds()
    {
        // "abc": merging b+c (rank 0) first gives a + bc, although "ab" has the smaller id.
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).Concat([[(byte)'a', (byte)'b'], [(byte)'b', (byte)'c']]).ToArray();
        var tok = new BpeTokenizer(tokens, [('b', 'c'), ('a', 'b')], new Dictionary<string, int> { ["<|endoftext|>"] = 258 });
        Assert.Equal(new int[] { 'a', 257 }, tok.Encode("abc"));
        Assert.Equal([256], tok.Encode("ab"));
        Assert.Equal([256, 257], tok.Encode("abbc"));
    }

    private static void AssertSameIds(IReadOnlyList<string> lines, List<int[]> expected, Func<string, int[]> encode)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            var actual = encode(lines[i]);
            if (!actual.AsSpan().SequenceEqual(expected[i]))
                Assert.Fail($"Line {i + 1} \"{lines[i]}\": js-tiktoken gives [{string.Join(",", expected[i])}], we give [{string.Join(",", actual)}].");
        }
    }
}

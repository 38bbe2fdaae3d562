using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class BpeTrainerTests
{
    private static readonly Lazy<string> Corpus = new(() =>
        File.ReadAllText(TokenizerPeer.CorpusPath, Encoding.UTF8) + RandomText.EnglishLike(new Random(5), 60_000));

    private static readonly Lazy<BpeTokenizer> Trained = new(() => BpeTrainer.Train(Corpus.Value, new BpeTrainerOptions { VocabSize = 700 }));

    [Fact]
    public void Train_ReachesVocabSizeExactly_WithSpecialsLast()
    {
        var tok = Trained.Value;
        Assert.Equal(700, tok.VocabSize);
        Assert.Equal(695, tok.EosId);
        Assert.Equal(696, tok.PadId);
        Assert.Equal(
            new Dictionary<string, int> { ["<|endoftext|>"] = 695, ["<|pad|>"] = 696, ["<|system|>"] = 697, ["<|user|>"] = 698, ["<|assistant|>"] = 699 },
            tok.SpecialTokens);
        for (int id = 0; id < 695; id++) Assert.NotNull(tok.TokenBytesOrNull(id));
        Assert.Equal(new byte[] { 65 }, tok.TokenBytesOrNull(65)); // byte tokens first, id = byte value
    }

    [Fact]
    public void Train_Twice_GivesTheSameTokenizer()
    {
        var again = BpeTrainer.Train(Corpus.Value, new BpeTrainerOptions { VocabSize = 700 });
        Assert.Equal(HuggingFaceTokenizerJson.ToJson(Trained.Value), HuggingFaceTokenizerJson.ToJson(again));
    }

    [Fact]
    public void Train_Compresses_AndRoundTripsRandomUnicode()
    {
        var tok = Trained.Value;
        string english = RandomText.EnglishLike(new Random(11), 20_000);
        Assert.True(tok.Encode(english).Length < Encoding.UTF8.GetByteCount(english) / 2.5);

        var rnd = new Random(12);
        for (int i = 0; i < 500; i++)
        {
            string s = RandomText.Next(rnd, 30, anyScalar: true);
            Assert.Equal(s, tok.Decode(tok.Encode(s)));
            Assert.Equal(s, tok.Decode(tok.Encode(s, allowSpecial: true)));
        }
    }

    [Fact]
    public void Encode_ChatMarkers_AreSpecialOnlyWhenAllowed()
    {
        var tok = Trained.Value;
        string chat = "<|system|>Be brief.<|endoftext|><|user|>Hi there<|endoftext|><|assistant|>";
        var asText = tok.Encode(chat);
        Assert.DoesNotContain(asText, tok.IsSpecial);
        Assert.Equal(chat, tok.Decode(asText));

        var ids = tok.Encode(chat, allowSpecial: true);
        Assert.Equal(698, ids.Single(id => id == tok.SpecialTokens[SpecialTokens.User]));
        Assert.Equal([697], ids[..1]);
        Assert.Equal([699], ids[^1..]);
        Assert.Equal(2, ids.Count(id => id == tok.EosId));
        Assert.Equal(chat, tok.Decode(ids));
        Assert.Equal("Be brief.Hi there", tok.Decode(ids, skipSpecial: true));
    }

    [Fact]
    public void Train_SpecialTextInCorpus_IsNotLearned()
    {
        string corpus = string.Concat(Enumerable.Repeat("hello world<|endoftext|>", 500));
        // "hello" and " world" take 4 + 5 merges; then no pair is left, the special text being cut out.
        var tok = BpeTrainer.Train(corpus, new BpeTrainerOptions { VocabSize = 266, SpecialTokens = [SpecialTokens.EndOfText] });
        var learned = Enumerable.Range(256, 9).Select(id => Encoding.UTF8.GetString(tok.TokenBytesOrNull(id)!)).ToList();
        Assert.DoesNotContain(learned, t => t.Contains('|') || t.Contains('<'));
        Assert.Equal(2, tok.Encode("hello world").Length);
        Assert.Throws<ArgumentException>(() => BpeTrainer.Train(corpus, new BpeTrainerOptions { VocabSize = 267, SpecialTokens = [SpecialTokens.EndOfText] }));
    }

    [Fact]
    public void SaveThenLoad_GivesTheSameIds_HereAndInHfTokenizers()
    {
        using var dir = new TempDirectory();
        string path = TokenizerFiles.Save(Trained.Value, dir.Path);
        var loaded = TokenizerFiles.Load(dir.Path);

        var lines = File.ReadAllLines(TokenizerPeer.CorpusPath, Encoding.UTF8)
            .Append("<|system|>Be brief.<|endoftext|><|user|>Hi<|endoftext|><|assistant|>").ToArray();
        var hf = TokenizerPeer.EncodeWithHfTokenizers(path, lines);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(Trained.Value.Encode(lines[i]), loaded.Encode(lines[i]));
            var ours = loaded.Encode(lines[i], allowSpecial: true);
            if (!ours.AsSpan().SequenceEqual(hf[i]))
                Assert.Fail($"Line {i + 1} \"{lines[i]}\": HF tokenizers.js gives [{string.Join(",", hf[i])}], we give [{string.Join(",", ours)}].");
        }
    }

    [Fact]
    public void Train_OneMegabyte_FillsTheVocabularyAndRoundTrips()
    {
        // Speed is printed by `lna tokenizer train`; this checks the large-corpus path is right.
        string corpus = RandomText.EnglishLike(new Random(21), 1_000_000) + File.ReadAllText(TokenizerPeer.CorpusPath, Encoding.UTF8);
        var tok = BpeTrainer.Train(corpus, new BpeTrainerOptions { VocabSize = 4096 });
        Assert.Equal(4096, tok.VocabSize);
        string sample = corpus[..5_000];
        Assert.Equal(sample, tok.Decode(tok.Encode(sample)));
        Assert.True(tok.Encode(sample).Length < Encoding.UTF8.GetByteCount(sample) / 2, "4,096 merges should at least halve English-like text.");
    }

    [Fact]
    public void Train_VocabSizeBelowBytesAndSpecials_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train("abc", new BpeTrainerOptions { VocabSize = 260 }));
        Assert.Contains("at least 261", e.Message);
    }

    [Fact]
    public void Train_CorpusTooSmallForVocab_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train("abc abc", new BpeTrainerOptions { VocabSize = 1000 }));
        Assert.Contains("runs out of pairs", e.Message);
    }

    [Fact]
    public void Train_NoEndOfTextSpecial_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            BpeTrainer.Train("abc", new BpeTrainerOptions { VocabSize = 300, SpecialTokens = [SpecialTokens.Pad] }));
        Assert.Contains("<|endoftext|>", e.Message);
    }

    [Fact]
    public void Train_RepeatedSpecial_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            BpeTrainer.Train("abc", new BpeTrainerOptions { VocabSize = 300, SpecialTokens = [SpecialTokens.EndOfText, SpecialTokens.EndOfText] }));
    }

    [Fact]
    public void Train_NullCorpus_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => BpeTrainer.Train((string[])null!, new BpeTrainerOptions()));
    }
}

using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class Gpt2EncoderFilesTests
{
    [Fact]
    public void Load_Gpt3EncoderPackage_GivesGpt2()
    {
        var tok = Gpt2EncoderFiles.Load(TokenizerPeer.Gpt2Directory);
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal(50000, tok.Merges.Count);
        Assert.Equal(new Dictionary<string, int> { ["<|endoftext|>"] = 50256 }, tok.SpecialTokens);
        Assert.Equal(" the"u8.ToArray(), tok.TokenBytesOrNull(262));
    }

    [Fact]
    public void Load_MissingFile_Throws()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => Gpt2EncoderFiles.Load(dir.Path));
    }

    [Fact]
    public void Load_MalformedMergeLine_ThrowsNamingTheLine()
    {
        using var dir = new TempDirectory();
        WriteTinyVocab(dir.Path, "#version: 0.2\na b\nab\n");
        var e = Assert.Throws<InvalidDataException>(() => Gpt2EncoderFiles.Load(dir.Path));
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Load_MergeOfUnlistedToken_Throws()
    {
        using var dir = new TempDirectory();
        WriteTinyVocab(dir.Path, "#version: 0.2\na b\nab Ä¾\n");
        var e = Assert.Throws<InvalidDataException>(() => Gpt2EncoderFiles.Load(dir.Path));
        Assert.Contains("merge #1 'ab Ä¾' uses 'Ä¾'", e.Message);
    }

    [Fact]
    public void Load_TinyFiles_MergesByRank()
    {
        using var dir = new TempDirectory();
        WriteTinyVocab(dir.Path, "#version: 0.2\na b\n");
        var tok = Gpt2EncoderFiles.Load(dir.Path);
        Assert.Equal([256, 256], tok.Encode("abab"));
        Assert.Equal(257, tok.EosId);
    }

    /// <summary>The 256 byte tokens, "ab" = 256 and "&lt;|endoftext|&gt;" = 257, with the given vocab.bpe.</summary>
    internal static void WriteTinyVocab(string dir, string vocabBpe)
    {
        var encoder = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++) encoder[ByteLevel.CharOf((byte)b).ToString()] = b;
        encoder["ab"] = 256;
        encoder["<|endoftext|>"] = 257;
        File.WriteAllText(Path.Combine(dir, "encoder.json"), System.Text.Json.JsonSerializer.Serialize(encoder));
        File.WriteAllText(Path.Combine(dir, "vocab.bpe"), vocabBpe);
    }
}

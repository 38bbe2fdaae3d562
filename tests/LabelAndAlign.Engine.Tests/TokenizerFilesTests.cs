using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class TokenizerFilesTests
{
    [Fact]
    public void Load_Gpt2Folder_LoadsEncoderAndMerges()
    {
        var tok = TokenizerFiles.Load(TokenizerPeer.Gpt2Directory);
        Assert.Equal([15496, 995], tok.Encode("Hello world"));
    }

    [Fact]
    public void Load_FolderWithTokenizerJson_LoadsIt()
    {
        using var dir = new TempDirectory();
        var trained = BpeTrainer.Train("a tiny corpus, a tiny test", new BpeTrainerOptions { VocabSize = 270 });
        Assert.Equal(Path.Combine(dir.Path, "tokenizer.json"), TokenizerFiles.Save(trained, dir.Path));
        var loaded = TokenizerFiles.Load(dir.Path);
        Assert.Equal(trained.Encode("a tiny test"), loaded.Encode("a tiny test"));
        Assert.Equal(270, loaded.VocabSize);
    }

    [Fact]
    public void Load_BothKinds_PrefersTokenizerJson()
    {
        using var dir = new TempDirectory();
        Gpt2EncoderFilesTests.WriteTinyVocab(dir.Path, "#version: 0.2\na b\n");
        TokenizerFiles.Save(BpeTrainer.Train("a tiny corpus, a tiny test", new BpeTrainerOptions { VocabSize = 270 }), dir.Path);
        Assert.Equal(270, TokenizerFiles.Load(dir.Path).VocabSize);
    }

    [Fact]
    public void Load_EmptyFolder_ThrowsNamingTheExpectedFiles()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<FileNotFoundException>(() => TokenizerFiles.Load(dir.Path));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("encoder.json + vocab.bpe", e.Message);
    }

    [Fact]
    public void Load_OnlyEncoderJson_ThrowsNamingTheMissingFile()
    {
        using var dir = new TempDirectory();
        Gpt2EncoderFilesTests.WriteTinyVocab(dir.Path, "");
        File.Delete(Path.Combine(dir.Path, "vocab.bpe"));
        var e = Assert.Throws<FileNotFoundException>(() => TokenizerFiles.Load(dir.Path));
        Assert.Contains("has encoder.json but not vocab.bpe", e.Message);
    }

    [Fact]
    public void Load_MissingFolder_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => TokenizerFiles.Load("/nonexistent/lna-tokenizer"));
    }
}

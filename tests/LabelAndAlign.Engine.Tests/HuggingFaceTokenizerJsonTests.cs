using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class HuggingFaceTokenizerJsonTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parse_Gpt2AsTokenizerJson_GivesGpt2Ids(bool arrayMerges)
    {
        var tok = HuggingFaceTokenizerJson.Parse(Gpt2TokenizerJson(arrayMerges));
        var gpt2 = TokenizerPeer.Gpt2;
        Assert.Equal(gpt2.VocabSize, tok.VocabSize);
        Assert.Equal(gpt2.EosId, tok.EosId);
        foreach (var line in File.ReadLines(TokenizerPeer.CorpusPath, Encoding.UTF8))
        {
            Assert.Equal(gpt2.Encode(line), tok.Encode(line));
            Assert.Equal(gpt2.Encode(line, allowSpecial: true), tok.Encode(line, allowSpecial: true));
        }
    }

    [Fact]
    public void Save_Gpt2_LoadsBackHereAndInHfTokenizersWithTheSameIds()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "tokenizer.json");
        var gpt2 = TokenizerPeer.Gpt2;
        HuggingFaceTokenizerJson.Save(gpt2, path);

        var loaded = HuggingFaceTokenizerJson.Load(path);
        Assert.Equal(gpt2.Merges, loaded.Merges);
        var lines = File.ReadAllLines(TokenizerPeer.CorpusPath, Encoding.UTF8);
        var hf = TokenizerPeer.EncodeWithHfTokenizers(path, lines);
        for (int i = 0; i < lines.Length; i++)
        {
            var ours = gpt2.Encode(lines[i], allowSpecial: true);
            Assert.Equal(ours, loaded.Encode(lines[i], allowSpecial: true));
            if (!ours.AsSpan().SequenceEqual(hf[i]))
                Assert.Fail($"Line {i + 1} \"{lines[i]}\": HF tokenizers.js gives [{string.Join(",", hf[i])}], we give [{string.Join(",", ours)}].");
        }
    }

    [Fact]
    public void Save_WritesHfShape()
    {
        var root = JsonNode.Parse(HuggingFaceTokenizerJson.ToJson(Tiny()))!;
        Assert.Equal("BPE", (string?)root["model"]!["type"]);
        Assert.Equal("ByteLevel", (string?)root["pre_tokenizer"]!["type"]);
        Assert.Equal("ByteLevel", (string?)root["decoder"]!["type"]);
        var added = root["added_tokens"]!.AsArray();
        Assert.Equal("<|endoftext|>", (string?)added[0]!["content"]);
        Assert.Equal(257, (int)added[0]!["id"]!);
        Assert.True((bool)added[0]!["special"]!);
        Assert.Equal("a b", (string?)root["model"]!["merges"]![0]);
        Assert.Equal(256, (int)root["model"]!["vocab"]!["ab"]!);
    }

    [Fact]
    public void Parse_AddPrefixSpace_EncodesAsIfTextStartedWithASpace()
    {
        var json = TinyJson();
        json["pre_tokenizer"]!["add_prefix_space"] = true;
        var tok = HuggingFaceTokenizerJson.Parse(json.ToJsonString());
        Assert.Equal(Tiny().Encode(" ab"), tok.Encode("ab"));
        Assert.Equal(Tiny().Encode(" ab"), tok.Encode(" ab"));
    }

    [Fact]
    public void Parse_IgnoreMerges_TakesWholePiecesFromTheVocabulary()
    {
        var json = TinyJson();
        json["model"]!["vocab"]!["abc"] = 258;
        Assert.Equal(new int[] { 256, 'c' }, HuggingFaceTokenizerJson.Parse(json.ToJsonString()).Encode("abc"));
        json["model"]!["ignore_merges"] = true;
        Assert.Equal([258], HuggingFaceTokenizerJson.Parse(json.ToJsonString()).Encode("abc"));
    }

    [Fact]
    public void Parse_UnsupportedNormalizer_Throws() =>
        AssertRejects(j => j["normalizer"] = new JsonObject { ["type"] = "NFC" }, "normalizer 'NFC'");

    [Fact]
    public void Parse_WordPieceModel_Throws() =>
        AssertRejects(j => j["model"]!["type"] = "WordPiece", "model type 'WordPiece'");

    [Fact]
    public void Parse_MissingModel_Throws() =>
        AssertRejects(j => j.Remove("model"), "no \"model\"");

    [Fact]
    public void Parse_OtherPreTokenizer_Throws() =>
        AssertRejects(j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }, "pre_tokenizer 'Whitespace'");

    [Fact]
    public void Parse_ByteLevelWithoutRegex_Throws() =>
        AssertRejects(j => j["pre_tokenizer"]!["use_regex"] = false, "use_regex false");

    [Fact]
    public void Parse_SubwordPrefix_Throws() =>
        AssertRejects(j => j["model"]!["continuing_subword_prefix"] = "##", "continuing_subword_prefix");

    [Fact]
    public void Parse_MergeOfUnknownToken_Throws() =>
        AssertRejects(j => j["model"]!["merges"]!.AsArray().Add("a zz"), "merge #1 'a zz' uses 'zz'");

    [Fact]
    public void Parse_MalformedMerge_Throws() =>
        AssertRejects(j => j["model"]!["merges"]!.AsArray().Add(new JsonArray("a")), "merge #1");

    [Fact]
    public void Parse_NotJson_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceTokenizerJson.Parse("{ not json", "x.json"));
        Assert.Contains("x.json", e.Message);
    }

    [Fact]
    public void Load_MissingFile_Throws()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => HuggingFaceTokenizerJson.Load(Path.Combine(dir.Path, "tokenizer.json")));
    }

    private static void AssertRejects(Action<JsonObject> change, string expectedInMessage)
    {
        var json = TinyJson();
        change(json);
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceTokenizerJson.Parse(json.ToJsonString()));
        Assert.Contains(expectedInMessage, e.Message);
    }

    /// <summary>The 256 bytes, "ab" = 256 (merge "a b"), "&lt;|endoftext|&gt;" = 257.</summary>
    private static BpeTokenizer Tiny()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).Append([(byte)'a', (byte)'b']).ToArray();
        return new BpeTokenizer(tokens, [('a', 'b')], new Dictionary<string, int> { ["<|endoftext|>"] = 257 });
    }

    private static JsonObject TinyJson() => JsonNode.Parse(HuggingFaceTokenizerJson.ToJson(Tiny()))!.AsObject();

    /// <summary>GPT-2 as Hugging Face publishes it, built straight from encoder.json and vocab.bpe.</summary>
    internal static string Gpt2TokenizerJson(bool arrayMerges)
    {
        string dir = TokenizerPeer.Gpt2Directory;
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(dir, "encoder.json")))!;
        var merges = File.ReadLines(Path.Combine(dir, "vocab.bpe")).Skip(1).Where(l => l.Length > 0).ToList();

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            w.WriteStartObject();
            w.WriteNumber("id", 50256);
            w.WriteString("content", "<|endoftext|>");
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", true);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNull("normalizer");
            foreach (var name in new[] { "pre_tokenizer", "post_processor", "decoder" })
            {
                w.WriteStartObject(name);
                w.WriteString("type", "ByteLevel");
                w.WriteBoolean("add_prefix_space", name != "pre_tokenizer");
                w.WriteBoolean("trim_offsets", name != "post_processor");
                w.WriteBoolean("use_regex", true);
                w.WriteEndObject();
            }
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteString("continuing_subword_prefix", "");
            w.WriteString("end_of_word_suffix", "");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) w.WriteNumber(token, id);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var m in merges)
            {
                if (!arrayMerges)
                {
                    w.WriteStringValue(m);
                    continue;
                }
                var parts = m.Split(' ');
                w.WriteStartArray();
                w.WriteStringValue(parts[0]);
                w.WriteStringValue(parts[1]);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

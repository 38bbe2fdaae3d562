using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

public class CheckpointTests
{
    private static string Hf => InferenceTestModels.Fixture("hf_gpt2");

    [Theory]
    [InlineData("hf_gpt2")]           // "transformer." prefix, attn.bias/masked_bias buffers
    [InlineData("hf_gpt2_noprefix")]  // Hub layout: no prefix, tied lm_head.weight present
    [InlineData("hf_gpt2_f16")]       // F16 tensors widened on load
    public void Load_HuggingFaceFixture_GivesPyTorchLogits(string name)
    {
        string dir = InferenceTestModels.Fixture(name);
        var (config, p) = Checkpoint.Load(dir);
        Assert.Equal(new GptConfig { VocabSize = 96, BlockSize = 32, Channels = 48, Layers = 2, Heads = 4 }, config);
        var (tokens, expected) = InferenceTestModels.ExpectedLogits(dir);
        var logits = new LogProbs(new InferenceModel(p)).Logits(tokens);
        int v = config.VocabSize;
        float worst = 0;
        for (int t = 0; t < tokens.Length; t++)
            for (int i = 0; i < v; i++)
                worst = Math.Max(worst, Math.Abs(expected[t][i] - logits[t * v + i]));
        Assert.True(worst < 1e-4f, $"max |ours - PyTorch| = {worst}");
    }

    [Fact]
    public void SaveThenLoad_RoundTripsBitExactly_WithScalarHeadAndOptimizer()
    {
        var p = InferenceTestModels.Random(InferenceTestModels.Small with { ScalarHead = true }, seed: 5);
        var rng = new Random(6);
        var m = Enumerable.Range(0, p.Count).Select(_ => (float)rng.NextDouble()).ToArray();
        var v = Enumerable.Range(0, p.Count).Select(_ => (float)rng.NextDouble()).ToArray();
        string dir = InferenceTestModels.TempDir();
        Checkpoint.Save(dir, p, new OptimizerState(m, v, 17), "{\"epoch\":2,\"lr\":0.0003}");

        var (config, back) = Checkpoint.Load(dir);
        Assert.Equal(p.Config, config);
        Assert.Equal(p.Data, back.Data);
        var opt = Checkpoint.LoadOptimizer(dir, p.Count);
        Assert.NotNull(opt);
        Assert.Equal(m, opt.Value.State.M);
        Assert.Equal(v, opt.Value.State.V);
        Assert.Equal(17, opt.Value.State.Step);
        Assert.Equal("{\"epoch\":2,\"lr\":0.0003}", opt.Value.TrainerStateJson);
    }

    [Fact]
    public void Save_WritesHuggingFaceNamesAndConv1DLayout()
    {
        var p = InferenceTestModels.Random(InferenceTestModels.Small, seed: 8);
        string dir = InferenceTestModels.TempDir();
        Checkpoint.Save(dir, p);
        using var f = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        Assert.Equal("pt", f.Metadata["format"]);
        int c = 48;
        Assert.Equal(new long[] { c, 3 * c }, f.Tensors["transformer.h.1.attn.c_attn.weight"].Shape);
        Assert.Equal(new long[] { 4 * c, c }, f.Tensors["transformer.h.0.mlp.c_proj.weight"].Shape);
        Assert.False(f.Contains("lm_head.weight"));
        var conv = f.ReadFloat32("transformer.h.1.attn.c_attn.weight");
        // HF (in, out)[k, n] == ours (out, in)[n, k] in layer 1.
        var ours = p.QkvW.Slice(3 * c * c).ToArray();
        Assert.Equal(ours[5 * c + 7], conv[7 * 3 * c + 5]);
        Assert.Equal(ours[100 * c + 3], conv[3 * 3 * c + 100]);
        Assert.Contains("\"model_type\": \"gpt2\"", File.ReadAllText(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void Load_AcceptsSequenceClassificationScoreWithoutBias()
    {
        string dir = Rewrite(t => t.Add(new SafetensorEntry("score.weight", [1, 48], Enumerable.Repeat(0.5f, 48).ToArray())));
        var (config, p) = Checkpoint.Load(dir);
        Assert.True(config.ScalarHead);
        Assert.All(p.HeadW.ToArray(), w => Assert.Equal(0.5f, w));
        Assert.Equal(0f, p.HeadB[0]);
    }

    [Fact]
    public void Load_ThrowsNamingAMissingTensor()
    {
        string dir = Rewrite(t => t.RemoveAll(e => e.Name == "transformer.h.1.mlp.c_fc.bias"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("missing tensor 'transformer.h.1.mlp.c_fc.bias'", e.Message);
    }

    [Fact]
    public void Load_ThrowsOnWrongShapeWithExpectedAndFound()
    {
        string dir = Rewrite(t =>
        {
            int i = t.FindIndex(e => e.Name == "transformer.h.0.attn.c_attn.weight");
            t[i] = t[i] with { Shape = [144, 48] }; // transposed by mistake
        });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("'transformer.h.0.attn.c_attn.weight' has shape (144, 48), expected (48, 144)", e.Message);
    }

    [Fact]
    public void Load_ThrowsOnUntiedLmHead()
    {
        string dir = Rewrite(t => t.Add(new SafetensorEntry("lm_head.weight", [96, 48], new float[96 * 48])));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("Untied LM heads are unsupported", e.Message);
    }

    [Fact]
    public void Load_ThrowsOnUnexpectedTensor()
    {
        string dir = Rewrite(t => t.Add(new SafetensorEntry("transformer.h.0.attn.rotary", [2], new float[2])));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("unexpected tensors for a GPT-2 model: transformer.h.0.attn.rotary", e.Message);
    }

    [Fact]
    public void Load_ThrowsWhenConfigIsMissingAField()
    {
        string dir = Rewrite(_ => { });
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"model_type\":\"gpt2\",\"vocab_size\":96,\"n_positions\":32,\"n_embd\":48,\"n_layer\":2}");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("missing field 'n_head'", e.Message);
    }

    [Fact]
    public void Load_ThrowsWhenWeightsAreMissing()
    {
        string dir = InferenceTestModels.TempDir();
        File.Copy(Path.Combine(Hf, "config.json"), Path.Combine(dir, "config.json"));
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void LoadOptimizer_ReturnsNullWhenAbsent_AndThrowsForAnotherModelSize()
    {
        var p = InferenceTestModels.Random(InferenceTestModels.Small, seed: 1);
        string dir = InferenceTestModels.TempDir();
        Checkpoint.Save(dir, p);
        Assert.Null(Checkpoint.LoadOptimizer(dir, p.Count));
        Checkpoint.SaveOptimizer(dir, p.Count, new OptimizerState(new float[p.Count], new float[p.Count], 3));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadOptimizer(dir, p.Count + 1));
        Assert.Contains($"has {p.Count} values, expected {p.Count + 1}", e.Message);
    }

    [Fact]
    public void SaveOptimizer_ThrowsWhenMomentsDoNotMatchTheModel()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Checkpoint.SaveOptimizer(InferenceTestModels.TempDir(), 10, new OptimizerState(new float[9], new float[10], 0)));
        Assert.Contains("9 and 10 values", e.Message);
    }

    [Fact]
    public void CopyTokenizerFiles_CopiesKnownFiles_AndThrowsWhenThereAreNone()
    {
        string src = InferenceTestModels.TempDir(), dst = InferenceTestModels.TempDir();
        File.WriteAllText(Path.Combine(src, "vocab.json"), "{}");
        File.WriteAllText(Path.Combine(src, "merges.txt"), "#version: 0.2\n");
        File.WriteAllText(Path.Combine(src, "notes.md"), "not a tokenizer file");
        Assert.Equal(["vocab.json", "merges.txt"], Checkpoint.CopyTokenizerFiles(src, dst));
        Assert.True(File.Exists(Path.Combine(dst, "merges.txt")));
        Assert.False(File.Exists(Path.Combine(dst, "notes.md")));
        Assert.Throws<FileNotFoundException>(() => Checkpoint.CopyTokenizerFiles(InferenceTestModels.TempDir(), dst));
    }

    /// <summary>The HF fixture's tensors, edited, written to a fresh directory with its config.</summary>
    private static string Rewrite(Action<List<SafetensorEntry>> edit)
    {
        var entries = new List<SafetensorEntry>();
        using (var f = SafetensorsFile.Open(Path.Combine(Hf, "model.safetensors")))
            foreach (var (name, info) in f.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                entries.Add(new SafetensorEntry(name, info.Shape, f.ReadFloat32(name)));
        edit(entries);
        string dir = InferenceTestModels.TempDir();
        SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), entries);
        File.Copy(Path.Combine(Hf, "config.json"), Path.Combine(dir, "config.json"));
        return dir;
    }
}

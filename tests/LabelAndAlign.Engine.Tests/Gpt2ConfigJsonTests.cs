using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

public class Gpt2ConfigJsonTests
{
    [Fact]
    public void Parse_ReadsGpt2FieldsAndIgnoresUnknownOnes()
    {
        var c = Gpt2ConfigJson.Parse("""
            {"model_type":"gpt2","vocab_size":50257,"n_positions":1024,"n_embd":768,"n_layer":12,"n_head":12,
             "layer_norm_epsilon":1e-05,"resid_pdrop":0.1,"task_specific_params":{"x":{"y":1}},"architectures":["GPT2LMHeadModel"]}
            """);
        Assert.Equal(GptConfig.Gpt2, c);
    }

    [Fact]
    public void ToJson_ThenParse_RoundTrips()
    {
        var c = GptConfig.Tiny with { ScalarHead = true, LayerNormEpsilon = 1e-6f };
        Assert.Equal(c, Gpt2ConfigJson.Parse(Gpt2ConfigJson.ToJson(c)));
    }

    [Fact]
    public void Parse_ThrowsOnAnotherModelType()
    {
        var e = Assert.Throws<InvalidDataException>(() => Gpt2ConfigJson.Parse("{\"model_type\":\"llama\"}"));
        Assert.Contains("'llama'", e.Message);
    }

    [Fact]
    public void Parse_ThrowsOnExactGelu()
    {
        var e = Assert.Throws<InvalidDataException>(() => Gpt2ConfigJson.Parse(
            "{\"vocab_size\":10,\"n_positions\":8,\"n_embd\":8,\"n_layer\":1,\"n_head\":2,\"activation_function\":\"gelu\"}"));
        Assert.Contains("activation_function is 'gelu'", e.Message);
    }

    [Fact]
    public void Parse_ThrowsOnInvalidShape()
    {
        var e = Assert.Throws<InvalidDataException>(() => Gpt2ConfigJson.Parse(
            "{\"vocab_size\":10,\"n_positions\":8,\"n_embd\":10,\"n_layer\":1,\"n_head\":3}"));
        Assert.Contains("n_embd (10) must be a positive multiple of n_head (3)", e.Message);
    }
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Services.Datasets;

namespace LabelAndAlign.Web.Tests;

public sealed class DatasetKindTests
{
    [Theory]
    [InlineData("""{"text": "The sky is blue."}""", DatasetKind.LanguageModeling)]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""", DatasetKind.LanguageModeling)]
    [InlineData("""{"prompt": "The sky is", "completion": " blue."}""", DatasetKind.PromptCompletion)]
    [InlineData("""{"prompt": [{"role": "user", "content": "Sky?"}], "completion": [{"role": "assistant", "content": "Blue."}]}""", DatasetKind.PromptCompletion)]
    [InlineData("""{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}""", DatasetKind.Preference)]
    [InlineData("""{"prompt": "The sky is", "chosen": " blue.", "rejected": " green.", "margin": 2}""", DatasetKind.Preference)]
    [InlineData("""{"chosen": "The sky is blue.", "rejected": "The sky is green."}""", DatasetKind.ImplicitPreference)]
    [InlineData("""{"prompt": "The sky is", "completion": " blue.", "label": true}""", DatasetKind.UnpairedPreference)]
    [InlineData("""{"prompt": "The sky is"}""", DatasetKind.PromptOnly)]
    [InlineData("""{"prompt": "Calculate 1+2 =", "answer": "3"}""", DatasetKind.PromptOnly)]
    public void Detect_EachTrlFormat_GivesItsKind(string json, string kind)
    {
        var (detected, error) = DatasetKind.Detect(JsonNode.Parse(json)!.AsObject());
        Assert.Null(error);
        Assert.Equal(kind, detected);
    }

    [Theory]
    [InlineData("""{"text": 5}""", "\"text\"")]
    [InlineData("""{"chosen": "a"}""", "\"rejected\"")]
    [InlineData("""{"prompt": "p", "completion": "c", "label": "yes"}""", "\"label\"")]
    [InlineData("""{"messages": [{"role": "user"}]}""", "\"messages\"")]
    [InlineData("""{"completion": "c"}""", "\"prompt\"")]
    [InlineData("""{"question": "q"}""", "no TRL fields")]
    public void Detect_BadRow_ThrowsNothingAndNamesTheField(string json, string expected)
    {
        var (kind, error) = DatasetKind.Detect(JsonNode.Parse(json)!.AsObject());
        Assert.Null(kind);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void AcceptedBy_SftTakesLanguageModellingAndPromptCompletion_DpoTakesPreferences()
    {
        Assert.Contains(DatasetKind.PromptCompletion, DatasetKind.AcceptedBy(Algorithm.Sft));
        Assert.DoesNotContain(DatasetKind.Preference, DatasetKind.AcceptedBy(Algorithm.Sft));
        Assert.Contains(DatasetKind.ImplicitPreference, DatasetKind.AcceptedBy(Algorithm.Dpo));
    }

    /// <summary>One row of each kind, as the import recognises it.</summary>
    private static readonly Dictionary<string, string> Rows = new()
    {
        [DatasetKind.LanguageModeling] = """{"text": "The sky is blue."}""",
        [DatasetKind.PromptCompletion] = """{"prompt": "The sky is", "completion": " blue."}""",
        [DatasetKind.Preference] = """{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}""",
        [DatasetKind.ImplicitPreference] = """{"chosen": "The sky is blue.", "rejected": "The sky is green."}""",
        [DatasetKind.PromptOnly] = """{"prompt": "The sky is"}""",
    };

    [Fact]
    public void AcceptedBy_EveryKindAnAlgorithmAccepts_IsReadByTheRecipesParser()
    {
        foreach (var algorithm in Algorithms.All)
            foreach (var kind in DatasetKind.AcceptedBy(algorithm))
            {
                var row = JsonNode.Parse(Rows[kind])!.AsObject();
                Assert.Equal(kind, DatasetKind.Detect(row).Kind);
                Assert.Equal(1, DatasetRows.Parse(algorithm, [row]).Count);
            }
    }
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public sealed class DatasetRowsTests
{
    private static List<JsonObject> Rows(params string[] lines) => lines.Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Parse_Sft_ReadsTextPromptCompletionAndMessages()
    {
        var rows = Rows("""{"text": "The sky is blue."}""", """{"prompt": "The sky is", "completion": " blue."}""",
            """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""",
            """{"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Yo"}]}""");
        var sft = DatasetRows.Parse(Algorithm.Sft, rows).Sft!;
        Assert.Equal("The sky is blue.", sft[0].Text);
        Assert.Equal(("The sky is", " blue."), (sft[1].Prompt, sft[1].Completion));
        Assert.Equal([new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello")], sft[2].Messages);
        Assert.Equal([new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Yo")], sft[3].Messages);
    }

    [Fact]
    public void Parse_Preferences_ReadExplicitAndImplicitPromptsAndMargins()
    {
        var rows = Rows("""{"prompt": "2+2=", "chosen": "4", "rejected": "5", "margin": 1.5}""", """{"chosen": "Good.", "rejected": "Bad."}""");
        foreach (var algorithm in new[] { Algorithm.Reward, Algorithm.Dpo })
        {
            var pairs = DatasetRows.Parse(algorithm, rows).Preferences!;
            Assert.Equal(new PreferenceExample("2+2=", "4", "5", 1.5), pairs[0]);
            Assert.Equal(new PreferenceExample("", "Good.", "Bad."), pairs[1]);
        }
    }

    [Fact]
    public void Parse_Prompts_KeepTheOtherColumnsForTheRewards()
    {
        var prompts = DatasetRows.Parse(Algorithm.Grpo, Rows("""{"prompt": "3+4=", "answer": "7", "n": 2}""")).Prompts!;
        Assert.Equal("3+4=", prompts[0].Prompt);
        Assert.Equal("7", prompts[0].Fields["answer"]);
        Assert.Equal("2", prompts[0].Fields["n"]);
    }

    [Fact]
    public void Parse_Throws_NamingEveryBadRowAndWhatItExpected()
    {
        var rows = Rows("""{"prompt": "a", "chosen": "b", "rejected": "c"}""", """{"prompt": "a"}""", """{"chosen": "b"}""", """{"chosen": "b", "rejected": "c", "margin": "big"}""");
        var e = Assert.Throws<InvalidDataException>(() => DatasetRows.Parse(Algorithm.Dpo, rows, "dataset 'prefs'"));
        Assert.StartsWith("Dataset 'prefs' has 3 rows that dpo cannot train on: row 2: expected \"chosen\" and \"rejected\"", e.Message);
        Assert.Contains("row 3:", e.Message);
        Assert.Contains("row 4: \"margin\" must be a number, found \"big\".", e.Message);
        Assert.Throws<InvalidDataException>(() => DatasetRows.Parse(Algorithm.Sft, []));
    }

    [Fact]
    public void EvalPrompts_AreTheFirstDistinctPrompts_WithTheirFields()
    {
        var rows = Rows("""{"prompt": "1+1=", "answer": "2"}""", """{"prompt": "1+1=", "answer": "2"}""", """{"text": "The movie was fine overall"}""", """{"prompt": "2+2="}""");
        var prompts = DatasetRows.EvalPrompts(rows, 2);
        Assert.Equal(["1+1=", "The movie was"], prompts.Select(p => p.Prompt));
        Assert.Equal("2", prompts[0].Fields["answer"]);
    }

    [Fact]
    public void ReadJsonl_NamesTheLineThatIsNotAnObject()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "d.jsonl");
        File.WriteAllText(path, "{\"text\": \"a\"}\n\n[1, 2]\n");
        var e = Assert.Throws<InvalidDataException>(() => DatasetRows.ReadJsonl(path));
        Assert.Contains("d.jsonl:3: expected a JSON object", e.Message);
    }
}

using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.TaskPacks;

/// <summary>A task pack's data as dataset rows (TRL's JSON Lines shapes), so it trains through the same recipe as any imported dataset.</summary>
public static class PackRows
{
    /// <summary><paramref name="count"/> SFT rows drawn with <paramref name="seed"/>.</summary>
    public static List<JsonObject> Sft(ITaskPack pack, int seed, int count) => pack.SftCorpus(seed, count).Select(Row).ToList();

    /// <summary><paramref name="count"/> prompt rows drawn with <paramref name="seed"/>, each with the fields the pack's reward reads.</summary>
    public static List<JsonObject> Prompts(ITaskPack pack, int seed, int count) => pack.Prompts(seed, count).Select(Row).ToList();

    public static JsonObject Row(SftExample e)
    {
        var o = new JsonObject();
        if (e.Prompt is not null) o["prompt"] = e.Prompt;
        if (e.Completion is not null) o["completion"] = e.Completion;
        if (e.Text is not null) o["text"] = e.Text;
        if (e.Messages is not null) o["messages"] = new JsonArray(e.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        return o;
    }

    public static JsonObject Row(PromptExample p)
    {
        var o = new JsonObject { ["prompt"] = p.Prompt };
        foreach (var (k, v) in p.Fields) o[k] = v;
        return o;
    }

    /// <summary>A preference pair as an explicit-prompt row.</summary>
    public static JsonObject Row(PreferenceExample p) => new() { ["prompt"] = p.Prompt, ["chosen"] = p.Chosen, ["rejected"] = p.Rejected };
}

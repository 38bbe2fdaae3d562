using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>
/// <see cref="GptConfig"/> as Hugging Face's GPT-2 <c>config.json</c>. Fields we do not model
/// (dropout rates, <c>bos_token_id</c>, <c>task_specific_params</c>, …) are ignored on read.
/// Our scalar head is recorded as <c>"lna_scalar_head": true</c> (plus <c>num_labels: 1</c>);
/// on load the presence of <c>score.weight</c> in the weights decides, so HF sequence-classification
/// checkpoints load without it.
/// </summary>
public static class Gpt2ConfigJson
{
    public const string FileName = "config.json";

    /// <summary>Activations equal to GPT-2's tanh-approximated GELU, which is the only one we run.</summary>
    private static readonly string[] TanhGelu = ["gelu_new", "gelu_pytorch_tanh", "gelu_fast"];

    public static GptConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model config not found: {path} (expected a Hugging Face GPT-2 config.json).", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static GptConfig Parse(string json, string source = "config.json")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: expected a JSON object, found invalid JSON ({e.Message}).");
        }
        if (root is not JsonObject o) throw new InvalidDataException($"{source}: expected a JSON object, found {root?.GetValueKind().ToString() ?? "null"}.");

        if (o["model_type"] is JsonNode mt && mt.GetValueKind() == JsonValueKind.String && mt.GetValue<string>() != "gpt2")
            throw new InvalidDataException($"{source}: model_type is '{mt.GetValue<string>()}'; only 'gpt2' is supported.");
        if (o["activation_function"] is JsonNode af && af.GetValueKind() == JsonValueKind.String && !TanhGelu.Contains(af.GetValue<string>()))
            throw new InvalidDataException(
                $"{source}: activation_function is '{af.GetValue<string>()}'; only the tanh-approximated GELU ({string.Join(", ", TanhGelu)}) is supported.");

        int? inner = OptionalInt(o, "n_inner");
        int? embd = OptionalInt(o, "n_embd");
        if (inner is not null && embd is not null && inner != 4 * embd)
            throw new InvalidDataException($"{source}: n_inner is {inner}; only the GPT-2 MLP width 4 * n_embd = {4 * embd} is supported.");
        var config = new GptConfig
        {
            VocabSize = RequiredInt(o, source, "vocab_size"),
            BlockSize = OptionalInt(o, "n_positions") ?? OptionalInt(o, "n_ctx")
                ?? throw new InvalidDataException($"{source}: missing field 'n_positions' (the context length)."),
            Channels = RequiredInt(o, source, "n_embd"),
            Layers = RequiredInt(o, source, "n_layer"),
            Heads = RequiredInt(o, source, "n_head"),
            LayerNormEpsilon = o["layer_norm_epsilon"] is JsonNode eps ? eps.GetValue<float>() : 1e-5f,
            ScalarHead = o["lna_scalar_head"] is JsonNode sh && sh.GetValueKind() == JsonValueKind.True,
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}");
        }
        return config;
    }

    private static int RequiredInt(JsonObject o, string source, string name) =>
        OptionalInt(o, name) ?? throw new InvalidDataException($"{source}: missing field '{name}'.");

    private static int? OptionalInt(JsonObject o, string name)
    {
        if (o[name] is not JsonNode n || n.GetValueKind() == JsonValueKind.Null) return null;
        try
        {
            return n.GetValue<int>();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"config.json: field '{name}' must be an integer, found {n.ToJsonString()}.");
        }
    }

    public static string ToJson(GptConfig config)
    {
        var o = new JsonObject
        {
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray(config.ScalarHead ? "GPT2ForSequenceClassification" : "GPT2LMHeadModel"),
            ["vocab_size"] = config.VocabSize,
            ["n_positions"] = config.BlockSize,
            ["n_ctx"] = config.BlockSize,
            ["n_embd"] = config.Channels,
            ["n_layer"] = config.Layers,
            ["n_head"] = config.Heads,
            ["n_inner"] = null,
            ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = config.LayerNormEpsilon,
            ["tie_word_embeddings"] = true,
        };
        if (config.ScalarHead)
        {
            o["lna_scalar_head"] = true;
            o["num_labels"] = 1;
        }
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static void Write(string path, GptConfig config) => File.WriteAllText(path, ToJson(config) + "\n");
}

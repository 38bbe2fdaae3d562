using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// <c>lna train --config</c>'s YAML: the run's options as flat keys, exactly the API's and the launch form's
/// (<see cref="RunKeys"/>, TRL's names), plus the inputs only a terminal names (<see cref="InputKeys"/>). Every
/// problem is reported at once; paths are relative to the file. Example:
/// <code>
/// algorithm: dpo            # sft | reward | dpo | ppo | grpo
/// output_dir: runs/dpo1
/// pack: sentiment           # built-in data, tokenizer and rewards (or: dataset, a TRL JSON Lines file)
/// init_from: runs/sft1/checkpoint-400
/// max_steps: 300
/// per_device_train_batch_size: 32
/// learning_rate: 0.001
/// beta: 0.1
/// </code>
/// </summary>
public sealed record TrainFile
{
    /// <summary>Keys that name a run's inputs rather than its options, with what each is.</summary>
    public static IReadOnlyDictionary<string, string> InputKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["algorithm"] = "sft, reward, dpo, ppo or grpo",
        ["output_dir"] = "where checkpoints, metrics.jsonl and samples.jsonl go",
        ["pack"] = "a built-in task pack (arithmetic, sentiment): data, tokenizer and rewards with no download",
        ["pack_examples"] = "how many examples to draw from the pack (2000)",
        ["dataset"] = "a TRL JSON Lines file (text / prompt+completion / messages; prompt+chosen+rejected; prompt)",
        ["tokenizer"] = "a folder with tokenizer.json (default: the base checkpoint's, the pack's, or one trained on the data)",
        ["init_from"] = "a checkpoint folder to start from (default: a new model)",
        ["reference"] = "a checkpoint folder to use as the frozen reference (default: the starting weights)",
        ["reward_model"] = "a reward run's checkpoint folder that scores PPO/GRPO completions",
        ["eval_prompts"] = "a list of prompts to sample at every evaluation (default: the pack's held-out ones or the dataset's first)",
    };

    public required RunSpec Spec { get; init; }
    public required string OutputDir { get; init; }
    public string? Pack { get; init; }
    public int PackExamples { get; init; } = 2000;
    public string? Dataset { get; init; }
    public string? Tokenizer { get; init; }
    public string? InitFrom { get; init; }
    public string? Reference { get; init; }
    public string? RewardModel { get; init; }
    public IReadOnlyList<string>? EvalPrompts { get; init; }

    private static readonly string[] OldSections = ["training", .. Algorithms.All.Select(a => a.WireName())];

    /// <summary>Reads and validates <paramref name="path"/>; throws <see cref="InvalidDataException"/> listing every problem, one per line.</summary>
    public static TrainFile Load(string path, TrainingBackends backends)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file not found: {path}", path);
        var root = ReadMapping(path);
        var errors = new List<string>();
        var options = new JsonObject();
        var inputs = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            if (InputKeys.ContainsKey(key)) inputs[key] = value;
            else if (value is YamlMappingNode && (OldSections.Contains(key) || key == "model"))
                errors.Add($"'{key}:' is a section of the old layout; options are flat keys now, with TRL's names (max_steps: 300, per_device_train_batch_size: 16, beta: 0.1, model: tiny). See examples/sft-sentiment.yaml.");
            else if (Json(value) is (var json, null)) options[key] = json;
            else errors.Add($"{key}: {Json(value).Error}");
        }
        string? Text(string key)
        {
            if (!inputs.TryGetValue(key, out var v)) return null;
            if (v is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value)) return s.Value.Trim();
            errors.Add($"{key} must be {InputKeys[key].Split(" (")[0]}, found {Describe(v)}.");
            return null;
        }
        string? algorithm = Text("algorithm");
        string? output = Text("output_dir");
        string? pack = Text("pack"), dataset = Text("dataset");
        int packExamples = 2000;
        if (Text("pack_examples") is { } n && !(int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out packExamples) && packExamples is > 0 and <= RunKeys.MaxCount))
            errors.Add($"pack_examples must be a whole number from 1 to {RunKeys.MaxCount:#,0}, found {n}.");
        List<string>? evalPrompts = null;
        if (inputs.TryGetValue("eval_prompts", out var ep))
        {
            if (ep is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode)) evalPrompts = seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
            else errors.Add($"eval_prompts must be a list of prompts, found {Describe(ep)}.");
        }
        if (algorithm is null && !inputs.ContainsKey("algorithm")) errors.Add($"algorithm is required: {Algorithms.Names}.");
        if (output is null && !inputs.ContainsKey("output_dir")) errors.Add("output_dir is required: the folder for checkpoints, metrics.jsonl and samples.jsonl.");
        if (pack is null && dataset is null) errors.Add("Give a pack (arithmetic, sentiment) or a dataset (a TRL JSON Lines file).");
        if (pack is not null && !Engine.TaskPacks.TaskPackRegistry.Names.Contains(pack.ToLowerInvariant()))
            errors.Add($"pack must be one of {string.Join(", ", Engine.TaskPacks.TaskPackRegistry.Names)}, found '{pack}'.");

        RunSpec? spec = null;
        if (algorithm is not null)
        {
            try { spec = RunSpecs.Parse(algorithm, options, backends); }
            catch (RunSpecException e) { errors.AddRange(e.Errors.Select(x => x.Message)); }
        }
        if (errors.Count > 0 || spec is null) throw new InvalidDataException($"{path}:\n  " + string.Join("\n  ", errors));

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? Resolve(string? p) => p is null || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(folder, p));
        return new TrainFile
        {
            Spec = spec, OutputDir = Resolve(output)!, Pack = pack?.ToLowerInvariant(), PackExamples = packExamples, Dataset = Resolve(dataset),
            Tokenizer = Resolve(Text("tokenizer")), InitFrom = Resolve(Text("init_from")), Reference = Resolve(Text("reference")),
            RewardModel = Resolve(Text("reward_model")), EvalPrompts = evalPrompts,
        };
    }

    private static YamlMappingNode ReadMapping(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{path}: {(e.InnerException ?? e).Message} (line {e.Start.Line}).");
        }
        if (stream.Documents.Count == 0) throw new InvalidDataException($"{path} is empty; see examples/sft-sentiment.yaml.");
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw new InvalidDataException($"{path}: expected keys and values (algorithm: sft, max_steps: 100, …).");
    }

    /// <summary>A YAML value as the JSON the key table reads: plain scalars are numbers, booleans or null where they read as such.</summary>
    private static (JsonNode? Json, string? Error) Json(YamlNode node)
    {
        if (node is not YamlScalarNode s) return (null, $"expected a single value, found {Describe(node)}.");
        string v = s.Value ?? "";
        if (s.Style is not ScalarStyle.Plain) return (JsonValue.Create(v), null);
        if (v is "" or "~" or "null" or "Null" or "NULL") return (null, null);
        if (v is "true" or "True" or "TRUE") return (JsonValue.Create(true), null);
        if (v is "false" or "False" or "FALSE") return (JsonValue.Create(false), null);
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) return (JsonNode.Parse(JsonValue.Create(d).ToJsonString()), null);
        return (JsonValue.Create(v), null);
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => node.NodeType.ToString(),
    };
}

using System.Globalization;
using System.Text.Json;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>
/// A model directory as Hugging Face lays it out: <c>config.json</c> + <c>model.safetensors</c>,
/// optionally <c>optimizer.safetensors</c> (AdamW <c>m</c>, <c>v</c> as flat F32 tensors in our
/// parameter layout, the step and the trainer's JSON state in <c>__metadata__</c>) and the
/// tokenizer's files (copied by <see cref="CopyTokenizerFiles"/>).
/// </summary>
public static class Checkpoint
{
    public const string OptimizerFileName = "optimizer.safetensors";

    /// <summary>Tokenizer files we copy when present (GPT-2's BPE pair, HF's JSON forms).</summary>
    public static readonly string[] TokenizerFileNames =
    [
        "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "encoder.json", "vocab.bpe",
    ];

    /// <summary>
    /// Writes config and weights, and the optimizer state when given (so training resumes exactly).
    /// <paramref name="trainerStateJson"/> is stored verbatim (it must be JSON) beside the moments.
    /// </summary>
    public static void Save(string dir, ParameterTensors parameters, OptimizerState? optimizer = null, string? trainerStateJson = null)
    {
        Directory.CreateDirectory(dir);
        Gpt2ConfigJson.Write(Path.Combine(dir, Gpt2ConfigJson.FileName), parameters.Config);
        SafetensorsFile.Write(Path.Combine(dir, Gpt2Weights.FileName), Gpt2Weights.ToEntries(parameters),
            new Dictionary<string, string> { ["format"] = "pt" });
        if (optimizer is not null) SaveOptimizer(dir, parameters.Count, optimizer, trainerStateJson);
    }

    /// <summary>Reads <c>config.json</c> and <c>model.safetensors</c> from <paramref name="dir"/>.</summary>
    public static (GptConfig Config, ParameterTensors Parameters) Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Model directory not found: {dir}");
        var config = Gpt2ConfigJson.Read(Path.Combine(dir, Gpt2ConfigJson.FileName));
        string weights = Path.Combine(dir, Gpt2Weights.FileName);
        if (!File.Exists(weights))
            throw new FileNotFoundException($"Model weights not found: {weights} (expected {Gpt2Weights.FileName} beside config.json).", weights);
        using var file = SafetensorsFile.Open(weights);
        var p = Gpt2Weights.Load(file, config);
        return (p.Config, p);
    }

    public static void SaveOptimizer(string dir, int parameterCount, OptimizerState state, string? trainerStateJson = null)
    {
        if (state.M.Length != parameterCount || state.V.Length != parameterCount)
            throw new ArgumentException(
                $"Optimizer moments have {state.M.Length} and {state.V.Length} values; the model has {parameterCount} parameters.");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "lna-adamw",
            ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
        };
        if (trainerStateJson is not null)
        {
            try
            {
                using var _ = JsonDocument.Parse(trainerStateJson);
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"Trainer state must be JSON: {e.Message}", nameof(trainerStateJson));
            }
            metadata["trainer_state"] = trainerStateJson;
        }
        Directory.CreateDirectory(dir);
        SafetensorsFile.Write(Path.Combine(dir, OptimizerFileName),
            [new SafetensorEntry("m", [parameterCount], state.M), new SafetensorEntry("v", [parameterCount], state.V)], metadata);
    }

    /// <summary>
    /// The optimizer state saved beside the weights, or null when the directory has none.
    /// Throws when it was saved for a model of a different size.
    /// </summary>
    public static (OptimizerState State, string? TrainerStateJson)? LoadOptimizer(string dir, int parameterCount)
    {
        string path = Path.Combine(dir, OptimizerFileName);
        if (!File.Exists(path)) return null;
        using var file = SafetensorsFile.Open(path);
        foreach (var name in new[] { "m", "v" })
        {
            var info = file.Info(name);
            if (info.ElementCount != parameterCount)
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' has {info.ElementCount} values, expected {parameterCount} (one per model parameter).");
        }
        if (!file.Metadata.TryGetValue("step", out var stepText) || !long.TryParse(stepText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
            throw new InvalidDataException($"{path}: expected an integer 'step' in __metadata__, found '{stepText ?? "nothing"}'.");
        file.Metadata.TryGetValue("trainer_state", out var trainer);
        return (new OptimizerState(file.ReadFloat32("m"), file.ReadFloat32("v"), step), trainer);
    }

    /// <summary>
    /// Copies the tokenizer's files (<see cref="TokenizerFileNames"/>) from <paramref name="sourceDir"/>
    /// into <paramref name="dir"/>; returns the names copied. Throws when none is found.
    /// </summary>
    public static IReadOnlyList<string> CopyTokenizerFiles(string sourceDir, string dir)
    {
        if (!Directory.Exists(sourceDir)) throw new DirectoryNotFoundException($"Tokenizer directory not found: {sourceDir}");
        Directory.CreateDirectory(dir);
        var copied = new List<string>();
        foreach (var name in TokenizerFileNames)
        {
            string src = Path.Combine(sourceDir, name);
            if (!File.Exists(src)) continue;
            string dst = Path.Combine(dir, name);
            if (!string.Equals(Path.GetFullPath(src), Path.GetFullPath(dst), StringComparison.Ordinal)) File.Copy(src, dst, overwrite: true);
            copied.Add(name);
        }
        if (copied.Count == 0)
            throw new FileNotFoundException(
                $"No tokenizer files in {sourceDir}; expected at least one of: {string.Join(", ", TokenizerFileNames)}.");
        return copied;
    }
}

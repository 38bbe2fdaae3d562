using System.Text.Json;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>A checkpoint folder's weights and tokenizer, read together for inference (sampling, scoring).</summary>
public static class CheckpointFolder
{
    /// <summary>Reads both; a folder that cannot be read, or whose tokenizer does not fit the model, throws what <paramref name="error"/> makes of the message.</summary>
    public static (GptConfig Config, ParameterTensors Parameters, BpeTokenizer Tokenizer) Read(string folder, Func<string, Exception> error)
    {
        GptConfig config;
        ParameterTensors parameters;
        BpeTokenizer tokenizer;
        try
        {
            (config, parameters) = Checkpoint.Load(folder);
            tokenizer = TokenizerFiles.Load(folder);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or ArgumentException or InvalidOperationException)
        {
            throw error($"The checkpoint could not be read: {e.Message}");
        }
        if (tokenizer.VocabSize > config.VocabSize)
            throw error($"The checkpoint's tokenizer has {tokenizer.VocabSize:N0} tokens but the model only {config.VocabSize:N0}; they do not belong together.");
        return (config, parameters, tokenizer);
    }
}

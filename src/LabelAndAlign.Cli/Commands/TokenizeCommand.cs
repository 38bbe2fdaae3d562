using System.Globalization;
using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna tokenize --tokenizer DIR [--allow-special]</c>: reads UTF-8 lines from stdin and writes
/// one JSON array of token ids per line, e.g. <c>[15496,995]</c> for "Hello world" with GPT-2.
/// DIR holds <c>tokenizer.json</c> or <c>encoder.json</c> + <c>vocab.bpe</c>. Special-token text
/// is encoded as plain text unless <c>--allow-special</c> is given.
/// </summary>
public sealed class TokenizeCommand : ICliCommand
{
    public string Name => "tokenize";
    public string Summary => "token ids of each stdin line as JSON: --tokenizer DIR [--allow-special]";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string dir = args.Required("tokenizer");
        bool allowSpecial = args.Flag("allow-special");
        args.RejectUnknown();

        var tokenizer = TokenizerFiles.Load(dir);
        var ids = new List<int>();
        var json = new StringBuilder();
        while (stdin.ReadLine() is { } line)
        {
            cancel.ThrowIfCancellationRequested();
            ids.Clear();
            tokenizer.EncodeInto(line, ids, allowSpecial);
            json.Clear().Append('[');
            for (int i = 0; i < ids.Count; i++)
            {
                if (i > 0) json.Append(',');
                json.Append(ids[i].ToString(CultureInfo.InvariantCulture));
            }
            // One write per line, flushed by the console, so a caller can send a line and wait for its answer.
            stdout.WriteLine(json.Append(']'));
        }
        stdout.Flush();
        return Task.FromResult(0);
    }
}

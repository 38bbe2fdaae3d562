using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna sample --model &lt;dir&gt; --tokenizer &lt;dir&gt; --prompt "..."</c>: prints the completion
/// (the prompt itself is not repeated; generation stops at the tokenizer's end-of-text id, which
/// is not printed). An empty prompt starts from end-of-text, as GPT-2 does.
/// </summary>
public sealed class SampleCommand : ICliCommand
{
    public string Name => "sample";
    public string Summary => "generate a completion for a prompt (--max-new --temperature --top-p --top-k --seed)";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string modelDir = args.Required("model");
        string tokenizerDir = args.Required("tokenizer");
        string prompt = args.String("prompt") ?? "";
        var options = new SamplingOptions
        {
            MaxNewTokens = args.Int("max-new", 64),
            Temperature = args.Float("temperature", 0.8f),
            TopP = args.Float("top-p", 0.95f),
            TopK = args.Int("top-k", 0),
            Seed = args.Int("seed", 1),
        };
        args.RejectUnknown();
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }

        var tokenizer = TokenizerFiles.Load(tokenizerDir);
        var (config, parameters) = Checkpoint.Load(modelDir);
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException(
                $"The tokenizer has {tokenizer.VocabSize} ids but the model's vocabulary is {config.VocabSize}; they do not belong together.");
        int eos = tokenizer.EosId;
        bool eosValid = eos >= 0 && eos < config.VocabSize;
        int[] ids = tokenizer.Encode(prompt);
        if (ids.Length == 0)
        {
            if (!eosValid) throw new CliUsageException("--prompt is empty and the tokenizer has no end-of-text id to start from.");
            ids = [eos];
        }
        if (ids.Length >= config.BlockSize)
            throw new CliUsageException($"--prompt is {ids.Length} tokens; the model's block size {config.BlockSize} leaves no room to generate.");
        options = options with { EosId = eosValid ? eos : null };

        var result = new Sampler(new InferenceModel(parameters)).Generate([ids], options, cancel);
        var generated = result.Tokens[0];
        if (result.Stopped[0]) generated = generated[..^1];
        stdout.WriteLine(tokenizer.Decode(generated));
        return Task.FromResult(0);
    }
}

using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Online DPO, as TRL's OnlineDPOTrainer: at the start of each step, two completions per prompt are sampled from the
/// current policy (seeded by (seed, step), so a resume repeats them), a judge labels each pair — the task pack's oracle
/// playing the labeler, or a reward model — and the step is DPO (<see cref="DpoBatchLoss"/>) on the pairs it labeled
/// against the frozen reference. Ties carry no preference and are left out of the loss (counted in <c>judge/ties</c>).
/// Because the pairs come from the policy as it improves, a longer budget keeps teaching it, where offline DPO's fixed
/// pairs run out. Metrics add TRL's <c>objective/kl</c> (mean Σ log π_θ − log π_ref of the sampled completions),
/// <c>objective/scores</c> (the judge's mean score) and <c>val/contain_eos_token</c>.
/// </summary>
public sealed class OnlineDpoTrainer : ITrainingAlgorithm, IDisposable
{
    private readonly IReadOnlyList<PromptExample> _prompts;
    private readonly int[][] _promptIds;
    private readonly ITokenizer _tokenizer;
    private readonly IJudge _judge;
    private readonly IFrozenGpt _reference;
    private readonly int _seed;
    private Labeled[] _step = [];
    private int _cursor;
    private double _tokensSeen;

    /// <summary>One prompt of the step: its judged pair with reference log-probs, or null when the judge called a tie.</summary>
    private sealed record Labeled(TokenizedPreference? Pair, double RefChosen, double RefRejected);

    public OnlineDpoTrainer(IReadOnlyList<PromptExample> prompts, ITokenizer tokenizer, IJudge judge, ParameterTensors reference, DpoOptions options,
        int seed = 1, IGptEngine? engine = null)
    {
        Options = options;
        Options.Validate();
        if (!options.Online) throw new ArgumentException("OnlineDpoTrainer trains online DPO; set online: true, or train offline pairs with DpoTrainer.");
        if (prompts.Count == 0) throw new ArgumentException("Online DPO needs at least one prompt.");
        _prompts = prompts;
        _tokenizer = tokenizer;
        _promptIds = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToArray();
        _judge = judge;
        _reference = (engine ?? NativeGptEngine.Instance).Frozen(reference);
        _seed = seed;
    }

    public DpoOptions Options { get; }
    public string Name => Recipe.Algorithm.Dpo.WireName();
    public int ExampleCount => _prompts.Count;

    public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel)
    {
        _cursor = 0;
        int n = examples.Count;
        var ids = new List<int[]>(2 * n);
        for (int copy = 0; copy < 2; copy++)
            foreach (int e in examples) ids.Add(_promptIds[e]);
        int longest = ids.Max(p => p.Length);
        int maxNew = Math.Min(Options.MaxNewTokens, model.Config.BlockSize + 1 - longest);
        if (maxNew <= 0) throw new ArgumentException($"A prompt of {longest} tokens leaves no room to sample in the block size {model.Config.BlockSize}.");
        var gen = model.Sampler().Generate(ids, new SamplingOptions
        {
            MaxNewTokens = maxNew, Temperature = Options.Temperature, EosId = _tokenizer.EosId, Seed = unchecked(_seed * 1_000_033 + step),
        }, cancel);
        var texts = new string[2 * n];
        var prompts = new PromptExample[2 * n];
        int eos = 0;
        for (int r = 0; r < 2 * n; r++)
        {
            var t = gen.Tokens[r];
            texts[r] = _tokenizer.Decode(gen.Stopped[r] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
            prompts[r] = _prompts[examples[r % n]];
            if (gen.Stopped[r]) eos++;
        }
        var scores = _judge.Scores(prompts, texts, ids, gen.Tokens);
        var reference = _reference.LogProbs(ids, gen.Tokens, cancel);
        _step = new Labeled[n];
        int ties = 0;
        for (int i = 0; i < n; i++)
        {
            int a = i, b = n + i;
            int verdict = _judge.Compare(prompts[a], texts[a], texts[b], scores[a], scores[b]);
            if (verdict == 0 || gen.Tokens[a].Length == 0 || gen.Tokens[b].Length == 0)
            {
                ties++;
                _step[i] = new Labeled(null, 0, 0);
                continue;
            }
            var (c, r) = verdict > 0 ? (a, b) : (b, a);
            _step[i] = new Labeled(new TokenizedPreference(ids[a], gen.Tokens[c], gen.Tokens[r]), reference[c].Sum, reference[r].Sum);
        }
        metrics.Set("objective/scores", scores.Average());
        metrics.Set("judge/ties", (double)ties / n);
        metrics.Set("val/contain_eos_token", (double)eos / (2 * n));
        metrics.Set("beta", Options.Beta);
    }

    public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
    {
        int first = _cursor;
        _cursor += examples.Length;
        if (_cursor > _step.Length) throw new InvalidOperationException($"Online DPO judged {_step.Length} prompts this step but was asked for {_cursor}; BeginStep must see every example of the step.");
        var labeled = _step.AsSpan(first, examples.Length).ToArray().Where(l => l.Pair is not null).ToList();
        if (labeled.Count == 0) return 0; // every pair of this micro-batch tied: nothing to learn from it
        var result = DpoBatchLoss.Accumulate(model, labeled.Select(l => l.Pair!).ToList(), labeled.Select(l => l.RefChosen).ToList(),
            labeled.Select(l => l.RefRejected).ToList(), Options, _tokenizer.PadId, model.Config.BlockSize, lossScale, metrics);
        double refSum = labeled.Sum(l => l.RefChosen + l.RefRejected);
        metrics.Mean("objective/kl", (result.PolicyChosen + result.PolicyRejected - refSum) / (2 * labeled.Count), lossScale);
        _tokensSeen += result.Tokens;
        metrics.Set("num_tokens", _tokensSeen);
        return result.Loss;
    }

    public string? SaveState() => $"{{\"num_tokens\":{_tokensSeen.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";

    public void LoadState(string state) => _tokensSeen = System.Text.Json.Nodes.JsonNode.Parse(state)?["num_tokens"]?.GetValue<double>() ?? 0;

    public void Dispose() => _reference.Dispose();
}

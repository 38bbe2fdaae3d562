namespace LabelAndAlign.Engine.Training;

/// <summary>One pair of a round, for people to judge: the prompt (an index into the run's prompts) and two completions.</summary>
public sealed record RoundPair(int Prompt, string PromptText, string First, string Second);

/// <summary>A pair people preferred one side of (ties and both-bad are left out by the channel).</summary>
public sealed record LabeledPair(int Prompt, string Chosen, string Rejected);

/// <summary>
/// A round's progress and every pair labeled so far, this round's and earlier rounds' alike.
/// </summary>
/// <param name="Labeled">the round's pairs that have their labels (a preference or not)</param>
/// <param name="Total">the round's pairs</param>
public sealed record RoundLabels(int Round, int Labeled, int Total, IReadOnlyList<LabeledPair> Pairs)
{
    public bool Complete => Labeled >= Total;
}

/// <summary>
/// The way to the people who label a run's rounds (the web app's labeling project, through the worker). Both calls may
/// be repeated: a round is kept as first sent, so a resumed run never makes its items twice.
/// </summary>
public interface ILabelChannel
{
    /// <summary>Sends round <paramref name="round"/>'s pairs (sampled at <paramref name="step"/>) unless it was sent before; its labels so far.</summary>
    RoundLabels Send(int round, int step, IReadOnlyList<RoundPair> pairs, CancellationToken cancel);

    /// <summary>The labels so far, with round <paramref name="round"/>'s progress.</summary>
    RoundLabels Labels(int round, CancellationToken cancel);

    /// <summary>How long to wait between two looks at a round still being labeled.</summary>
    TimeSpan PollInterval => TimeSpan.FromSeconds(2);
}

/// <summary>
/// Online DPO judged by people, as iterative DPO: every <see cref="DpoOptions.LabelEvery"/> steps a round of
/// <see cref="DpoOptions.LabelPairs"/> prompts (a seeded draw per round) gets two completions each from the current policy,
/// which the channel turns into labeling items; the run then waits until the round is labeled and trains the round's
/// steps on every pair labeled so far (A or B; ties and both-bad carry no preference). The labels live with the web
/// app, so a resumed run or a restarted worker finds every pair labeled before. Records <c>labels/pairs</c> (usable
/// pairs so far) and <c>labels/round</c>.
/// </summary>
public sealed class PeopleLabels(ILabelChannel channel, DpoOptions options, int seed) : IOnlineLabels
{
    private int _round = -1;
    private StepPair[] _pool = [];

    public IReadOnlyList<StepPair?> PairsFor(OnlineStep step, CancellationToken cancel)
    {
        int round = step.Step / options.LabelEvery;
        if (round != _round)
        {
            var labels = step.Step % options.LabelEvery == 0
                ? channel.Send(round, step.Step, Round(step, round, cancel), cancel)
                : channel.Labels(round, cancel); // resumed inside a round: it was sent before the checkpoint
            while (!labels.Complete)
            {
                if (cancel.WaitHandle.WaitOne(channel.PollInterval)) cancel.ThrowIfCancellationRequested();
                labels = channel.Labels(round, cancel);
            }
            _pool = Tokenize(step, labels.Pairs, cancel);
            _round = round;
        }
        step.Metrics.Set("labels/pairs", _pool.Length);
        step.Metrics.Set("labels/round", round);
        int n = step.Examples.Count;
        var pairs = new StepPair?[n];
        if (_pool.Length == 0) return pairs; // every label so far was a tie or both bad: nothing to learn from yet
        for (int i = 0; i < n; i++) pairs[i] = _pool[(int)(((long)step.Step * n + i) % _pool.Length)];
        return pairs;
    }

    /// <summary>The round's prompts (a seeded draw, the same after a resume) and two samples of each from the policy now.</summary>
    private List<RoundPair> Round(OnlineStep step, int round, CancellationToken cancel)
    {
        var order = Enumerable.Range(0, step.Prompts.Count).ToArray();
        new Random(unchecked(seed * 7919 + round)).Shuffle(order);
        var prompts = Enumerable.Range(0, options.LabelPairs).Select(i => order[i % order.Length]).ToList();
        var s = step.Sample(prompts, step.Step, cancel);
        return Enumerable.Range(0, s.Count).Select(i => new RoundPair(prompts[i], step.Prompts[prompts[i]].Prompt, s.Texts[i], s.Texts[s.Count + i])).ToList();
    }

    private static StepPair[] Tokenize(OnlineStep step, IReadOnlyList<LabeledPair> labeled, CancellationToken cancel)
    {
        var usable = labeled.Where(p => p.Prompt >= 0 && p.Prompt < step.Prompts.Count).ToList();
        if (usable.Count == 0) return [];
        var prompts = usable.Select(p => step.PromptIds(p.Prompt)).ToList();
        // Text encodes back to about the sampled tokens; a completion cut at max_new_tokens gains an EOS, so fit the block.
        var chosen = usable.Select((p, i) => Fit(ChatTemplate.EncodeCompletion(step.Tokenizer, p.Chosen), step.BlockSize + 1 - prompts[i].Length)).ToList();
        var rejected = usable.Select((p, i) => Fit(ChatTemplate.EncodeCompletion(step.Tokenizer, p.Rejected), step.BlockSize + 1 - prompts[i].Length)).ToList();
        var refChosen = step.Reference(prompts, chosen, cancel);
        var refRejected = step.Reference(prompts, rejected, cancel);
        return usable.Select((_, i) => new StepPair(new TokenizedPreference(prompts[i], chosen[i], rejected[i]), refChosen[i], refRejected[i])).ToArray();
    }

    private static int[] Fit(int[] completion, int room) => completion.Length > room ? completion[..Math.Max(room, 1)] : completion;
}

using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class PeopleLabelsTests
{
    private static readonly SentimentPack Pack = new();
    private static readonly DpoOptions People = new()
    {
        Online = true, Judge = OnlineJudge.People, LabelProject = 1, LabelEvery = 2, LabelPairs = 4, Beta = 0.5, MaxNewTokens = 12, Temperature = 1f,
    };

    /// <summary>
    /// People as a test plays them: a round is kept as first sent; its pairs get their labels after <see cref="PollsBeforeLabels"/>
    /// looks; even pairs prefer the first response, odd pairs are ties (left out, as the web app leaves out tie and both bad).
    /// </summary>
    private sealed class FakePeople : ILabelChannel
    {
        public readonly SortedDictionary<int, IReadOnlyList<RoundPair>> Rounds = [];
        public readonly List<int> Sent = [];
        public int PollsBeforeLabels { get; init; }
        public bool NeverLabel { get; init; }
        public int Looks { get; private set; }

        public TimeSpan PollInterval => TimeSpan.FromMilliseconds(1);

        public RoundLabels Send(int round, int step, IReadOnlyList<RoundPair> pairs, CancellationToken cancel)
        {
            Sent.Add(round);
            Rounds.TryAdd(round, pairs);
            return Labels(round, cancel);
        }

        public RoundLabels Labels(int round, CancellationToken cancel)
        {
            Looks++;
            bool labeled = !NeverLabel && Looks > PollsBeforeLabels;
            var preferred = Rounds.Where(r => r.Key <= round && (labeled || r.Key < round))
                .SelectMany(r => r.Value.Where((_, i) => i % 2 == 0)).Select(p => new LabeledPair(p.Prompt, p.First, p.Second)).ToList();
            int total = Rounds.TryGetValue(round, out var pairs) ? pairs.Count : 0;
            return new RoundLabels(round, labeled ? total : 0, total, preferred);
        }
    }

    private static (Gpt Model, ParameterTensors Reference) Start()
    {
        var model = TrainerTestKit.SftModel(steps: 30);
        return (model, TrainerTestKit.Copy(model.Parameters));
    }

    [Fact]
    public void AStep_WaitsForTheRoundsLabels_ThenIsDpoOnThePairsPeoplePreferred_TiesLeftOut()
    {
        var tokenizer = TrainerTestKit.Tokenizer;
        var (model, reference) = Start();
        for (int i = 0; i < model.Parameters.Count; i += 5) model.Parameters.Data[i] += 0.01f * MathF.Sin(i); // off the reference
        var prompts = Pack.Prompts(1, 6);
        var people = new FakePeople { PollsBeforeLabels = 3 };
        using var online = new OnlineDpoTrainer(prompts, tokenizer, new PeopleLabels(people, People, seed: 4), reference, People, seed: 4);
        var trainable = new NativeTrainableGpt(model, new AdamWOptions());
        var metrics = new MetricBag();
        int[] examples = [0, 1, 2];
        online.BeginStep(trainable, 0, 0, examples, metrics, CancellationToken.None);
        model.ZeroGrad();
        double loss = online.Accumulate(trainable, examples, 1f, metrics);

        Assert.Equal([0], people.Sent);
        Assert.Equal(4, people.Looks); // the round's send, then looks until its labels came
        var round = people.Rounds[0];
        Assert.Equal(4, round.Count);
        Assert.All(round, p => Assert.Equal(prompts[p.Prompt].Prompt, p.PromptText));
        Assert.Equal(2, metrics["labels/pairs"]); // pairs 0 and 2; 1 and 3 were ties

        // The step's three examples take the two preferred pairs in turn, through the offline trainer.
        var preferred = new[] { round[0], round[2], round[0] }.Select(p => new TokenizedPreference(ChatTemplate.EncodePrompt(tokenizer, prompts[p.Prompt].Prompt),
            ChatTemplate.EncodeCompletion(tokenizer, p.First), ChatTemplate.EncodeCompletion(tokenizer, p.Second))).ToList();
        var offline = new DpoTrainer(preferred, reference, tokenizer.PadId, People with { Online = false, Judge = OnlineJudge.Auto });
        model.ZeroGrad();
        double expected = offline.Accumulate(trainable, [0, 1, 2], 1f, new MetricBag());
        Assert.Equal(expected, loss, 6);
    }

    [Fact]
    public void Training_SendsARoundEveryLabelEverySteps_AndOnlyOnce()
    {
        var (model, reference) = Start();
        var people = new FakePeople();
        using var online = new OnlineDpoTrainer(Pack.Prompts(1, 8), TrainerTestKit.Tokenizer, new PeopleLabels(people, People, seed: 2), reference, People, seed: 2);
        var sink = new MemoryMetricsSink();
        new Trainer(model, online, new TrainerOptions { MaxSteps = 5, BatchSize = 4, LearningRate = 2e-3f, Seed = 2 }, sink).Run();

        Assert.Equal([0, 1, 2], people.Sent); // steps 0, 2 and 4
        Assert.Equal([2, 2, 4, 4, 6], sink.Series("labels/pairs")); // every pair labeled so far counts
        Assert.Equal([0, 0, 1, 1, 2], sink.Series("labels/round"));
        Assert.All(sink.Series("loss"), l => Assert.True(l > 0));
    }

    [Fact]
    public async Task Cancel_WhileWaitingForLabels_StopsTheRunAtItsStep()
    {
        var (model, reference) = Start();
        var people = new FakePeople { NeverLabel = true };
        using var online = new OnlineDpoTrainer(Pack.Prompts(1, 8), TrainerTestKit.Tokenizer, new PeopleLabels(people, People, seed: 2), reference, People, seed: 2);
        using var cancel = new CancellationTokenSource();
        var trainer = new Trainer(model, online, new TrainerOptions { MaxSteps = 5, BatchSize = 4, Seed = 2 });
        var running = Task.Run(() => trainer.Run(cancel.Token));
        SpinWait.SpinUntil(() => people.Looks > 5, TimeSpan.FromMinutes(2));
        cancel.Cancel();
        var result = await running;

        Assert.True(people.Looks > 5, "the run should be waiting, looking for labels");
        Assert.True(result.Cancelled);
        Assert.Equal(0, result.Step);
        Assert.Equal([0], people.Sent);
    }

    [Fact]
    public void Resume_InsideARound_FindsThePairsLabeledBefore_AndContinuesIdentically()
    {
        using var dir = new TempDirectory();
        var prompts = Pack.Prompts(1, 8);
        var options = new TrainerOptions { MaxSteps = 6, BatchSize = 4, LearningRate = 2e-3f, LrSchedulerType = LrSchedulerType.Constant, Seed = 5 };

        var (m1, r1) = Start();
        var full = new MemoryMetricsSink();
        using (var online = new OnlineDpoTrainer(prompts, TrainerTestKit.Tokenizer, new PeopleLabels(new FakePeople(), People, 5), r1, People, 5))
            new Trainer(m1, online, options, full).Run();

        // The same people (the web app keeps the rounds): three steps, then a new process resumes at step 3, inside round 1.
        var people = new FakePeople();
        var (m2, r2) = Start();
        var first = new MemoryMetricsSink();
        using (var online = new OnlineDpoTrainer(prompts, TrainerTestKit.Tokenizer, new PeopleLabels(people, People, 5), r2, People, 5))
            new Trainer(m2, online, options with { MaxSteps = 3, OutputDir = dir.Path, SaveSteps = 3 }, first).Run();
        var (m3, r3) = Start();
        var second = new MemoryMetricsSink();
        using (var online = new OnlineDpoTrainer(prompts, TrainerTestKit.Tokenizer, new PeopleLabels(people, People, 5), r3, People, 5))
        {
            var resumed = new Trainer(m3, online, options with { OutputDir = dir.Path }, second);
            resumed.Resume(Trainer.LatestCheckpoint(dir.Path)!);
            resumed.Run();
        }

        Assert.Equal([0, 1, 2], people.Sent); // round 1 was not sent again: step 3 read it back
        Assert.Equal(4, second.Series("labels/pairs")[0]); // rounds 0 and 1's preferred pairs, labeled before the restart
        var expected = full.Series("loss");
        var got = first.Series("loss").Concat(second.Series("loss")).ToArray();
        Assert.Equal(expected, got);
        Assert.Equal(m1.Parameters.Data, m3.Parameters.Data);
    }

    [Fact]
    public void Options_PeopleWithoutAProject_OrOutOfRange_SayWhichKey()
    {
        Assert.StartsWith("label_project ", Assert.Throws<ArgumentException>(() => (People with { LabelProject = null }).Validate()).Message);
        Assert.StartsWith("label_every ", Assert.Throws<ArgumentException>(() => (People with { LabelEvery = 0 }).Validate()).Message);
        Assert.StartsWith("label_pairs ", Assert.Throws<ArgumentException>(() => (People with { LabelPairs = DpoOptions.MaxLabelPairs + 1 }).Validate()).Message);
        Assert.StartsWith("judge ", Assert.Throws<ArgumentException>(() => (People with { Online = false }).Validate()).Message);
    }
}

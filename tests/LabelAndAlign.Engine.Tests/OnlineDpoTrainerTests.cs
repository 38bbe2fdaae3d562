using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class OnlineDpoTrainerTests
{
    private static readonly SentimentPack Pack = new();
    private static readonly DpoOptions Online = new() { Online = true, Beta = 0.5, MaxNewTokens = 12, Temperature = 1f };

    /// <summary>Prefers the longer completion; equal lengths tie.</summary>
    private sealed class LengthJudge : IJudge
    {
        public string Name => "length";

        public double[] Scores(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds) =>
            completionIds.Select(c => (double)c.Length).ToArray();

        public int Compare(PromptExample prompt, string first, string second, double firstScore, double secondScore) => firstScore.CompareTo(secondScore);
    }

    [Fact]
    public void AStep_IsOfflineDpo_OnThePairsTheJudgeLabelledFromThePolicysOwnSamples()
    {
        var tokenizer = TrainerTestKit.Tokenizer;
        var model = TrainerTestKit.SftModel(steps: 30);
        var reference = TrainerTestKit.Copy(model.Parameters);
        for (int i = 0; i < model.Parameters.Count; i += 5) model.Parameters.Data[i] += 0.01f * MathF.Sin(i); // off the reference
        var prompts = Pack.Prompts(1, 6);
        int[] all = [0, 1, 2, 3, 4, 5];
        const int seed = 4, step = 3;
        var online = new OnlineDpoTrainer(prompts, tokenizer, new LengthJudge(), reference, Online, seed);
        var trainable = new NativeTrainableGpt(model, new AdamWOptions());
        var metrics = new MetricBag();
        online.BeginStep(trainable, step, 0, all, metrics, CancellationToken.None);
        model.ZeroGrad();
        double loss = online.Accumulate(trainable, all, 1f, metrics);
        var onlineGrad = model.Gradients.Data.ToArray();

        // The same two samples per prompt (seeded by seed and step), labelled by hand, through the offline trainer.
        var ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var gen = trainable.Sampler().Generate([.. ids, .. ids], new SamplingOptions
        {
            MaxNewTokens = 12, Temperature = 1f, EosId = tokenizer.EosId, Seed = seed * 1_000_033 + step,
        });
        var pairs = new List<TokenizedPreference>();
        for (int i = 0; i < ids.Count; i++)
        {
            int[] a = gen.Tokens[i], b = gen.Tokens[ids.Count + i];
            if (a.Length == b.Length) continue;
            pairs.Add(a.Length > b.Length ? new TokenizedPreference(ids[i], a, b) : new TokenizedPreference(ids[i], b, a));
        }
        Assert.True(pairs.Count >= 2, $"the samples should differ in length on some prompts ({pairs.Count} of {ids.Count})");
        Assert.Equal((double)(ids.Count - pairs.Count) / ids.Count, metrics["judge/ties"], 12);
        var offline = new DpoTrainer(pairs, reference, tokenizer.PadId, Online with { Online = false });
        model.ZeroGrad();
        double expected = offline.Accumulate(trainable, Enumerable.Range(0, pairs.Count).ToArray(), 1f, new MetricBag());

        Assert.Equal(expected, loss, 6);
        var offlineGrad = model.Gradients.Data;
        for (int i = 0; i < offlineGrad.Length; i += 97) Assert.Equal(offlineGrad[i], onlineGrad[i], 6);
    }

    [Fact]
    public void Training_WithTheSentimentOracle_RaisesTheJudgesScore()
    {
        var model = TrainerTestKit.SftModel();
        var reference = TrainerTestKit.Copy(model.Parameters);
        var sink = new MemoryMetricsSink();
        var online = new OnlineDpoTrainer(Pack.Prompts(1, 256), TrainerTestKit.Tokenizer, new PackJudge(Pack), reference,
            Online with { RpoAlpha = 1 }, seed: 2);
        new Trainer(model, online, new TrainerOptions { MaxSteps = 40, BatchSize = 16, LearningRate = 2e-3f, LrSchedulerType = LrSchedulerType.Constant, Seed = 2 }, sink).Run();
        var scores = sink.Series("objective/scores");
        Assert.True(scores[^5..].Average() > scores[..5].Average() + 0.1, $"oracle scores {scores[..5].Average()} → {scores[^5..].Average()}");
        foreach (var name in new[] { "loss", "rewards/margins", "objective/kl", "judge/ties", "val/contain_eos_token", "num_tokens" })
            Assert.NotEmpty(sink.Series(name));
    }

    [Fact]
    public void Constructor_Throws_ForOfflineOptions_OrNoPrompts()
    {
        var reference = new Gpt(TrainerTestKit.Shape(), 1).Parameters;
        var offline = Assert.Throws<ArgumentException>(() => new OnlineDpoTrainer(Pack.Prompts(1, 2), TrainerTestKit.Tokenizer, new PackJudge(Pack), reference, new DpoOptions()));
        Assert.Contains("online: true", offline.Message);
        Assert.Throws<ArgumentException>(() => new OnlineDpoTrainer([], TrainerTestKit.Tokenizer, new PackJudge(Pack), reference, Online));
    }
}

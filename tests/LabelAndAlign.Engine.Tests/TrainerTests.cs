using System.Text.Json;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class TrainerTests
{
    private static (Gpt Model, SftTrainer Sft) Setup(int seed = 5)
    {
        var model = new Gpt(TrainerTestKit.Shape(), seed);
        return (model, new SftTrainer(TrainerTestKit.SftRows(64), TrainerTestKit.Tokenizer.PadId, model.Config));
    }

    [Fact]
    public void Run_GradientAccumulation_EqualsOneBigBatch()
    {
        var (big, sftA) = Setup();
        var (small, sftB) = Setup();
        var sinkA = new MemoryMetricsSink();
        var sinkB = new MemoryMetricsSink();
        new Trainer(big, sftA, new TrainerOptions { MaxSteps = 3, BatchSize = 8, GradientAccumulationSteps = 1, LearningRate = 1e-3f }, sinkA).Run();
        new Trainer(small, sftB, new TrainerOptions { MaxSteps = 3, BatchSize = 2, GradientAccumulationSteps = 4, LearningRate = 1e-3f }, sinkB).Run();
        var la = sinkA.Series("loss");
        var lb = sinkB.Series("loss");
        for (int i = 0; i < 3; i++) Assert.Equal(la[i], lb[i], 1e-5);
        var ga = sinkA.Series("grad_norm");
        var gb = sinkB.Series("grad_norm");
        for (int i = 0; i < 3; i++) Assert.Equal(ga[i], gb[i], 1e-4);
        for (int i = 0; i < big.Parameters.Count; i++) Assert.Equal(big.Parameters.Data[i], small.Parameters.Data[i], 1e-4);
    }

    [Fact]
    public void Resume_FromCheckpoint_ContinuesWithIdenticalLosses()
    {
        using var dir = new TempDirectory();
        var options = new TrainerOptions { MaxSteps = 8, BatchSize = 4, LearningRate = 2e-3f, WarmupSteps = 2, Seed = 9 };

        var (m1, s1) = Setup();
        var full = new MemoryMetricsSink();
        new Trainer(m1, s1, options, full).Run();

        // Interrupted at step 5 (the cancel lands at the step boundary and saves), then resumed in a fresh process-like setup.
        var (m2, s2) = Setup();
        var first = new MemoryMetricsSink();
        using var cancel = new CancellationTokenSource();
        var sinkThatCancels = new CancelAtStep(first, 5, cancel);
        var r = new Trainer(m2, s2, options with { OutputDir = dir.Path, SaveSteps = 0 }, sinkThatCancels).Run(cancel.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(5, r.Step);
        string checkpoint = Trainer.LatestCheckpoint(dir.Path)!;
        Assert.EndsWith("checkpoint-5", checkpoint);

        var (m3, s3) = Setup(seed: 77); // different init: everything must come from the checkpoint
        var second = new MemoryMetricsSink();
        var resumed = new Trainer(m3, s3, options with { OutputDir = dir.Path }, second);
        resumed.Resume(checkpoint);
        resumed.Run();

        var expected = full.Series("loss");
        var got = first.Series("loss").Concat(second.Series("loss")).ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i]);
        Assert.Equal(m1.Parameters.Data, m3.Parameters.Data);
        Assert.Equal(full.Series("num_tokens")[^1], second.Series("num_tokens")[^1]);
    }

    private sealed class CancelAtStep(IMetricsSink inner, int step, CancellationTokenSource cancel) : IMetricsSink
    {
        public void Report(int s, string name, double value, DateTimeOffset time)
        {
            inner.Report(s, name, value, time);
            if (s == step) cancel.Cancel();
        }
    }

    /// <summary>Returns a fixed loss, or NaN (in the loss or in the gradients) at one step.</summary>
    private sealed class Poisoned(int badStep, bool inGradient) : ITrainingAlgorithm
    {
        private int _step;
        public string Name => "poisoned";
        public int ExampleCount => 10;
        public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel) => _step = step;

        public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
        {
            ((NativeTrainableGpt)model).Model.Gradients.Data[0] += inGradient && _step == badStep ? float.NaN : 0.1f;
            double loss = !inGradient && _step == badStep ? double.NaN : 1.0;
            metrics.Mean("loss", loss, lossScale);
            return loss;
        }
    }

    [Fact]
    public void Run_NonFiniteLoss_StopsNamingStepAndMetric()
    {
        var model = new Gpt(TrainerTestKit.Shape(), 1);
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, new Poisoned(3, false), new TrainerOptions { MaxSteps = 10, BatchSize = 2 }).Run());
        Assert.Equal(3, e.Step);
        Assert.Equal("loss", e.Metric);
        Assert.Contains("step 3", e.Message);
        Assert.Contains("loss", e.Message);
    }

    [Fact]
    public void Run_NonFiniteGradient_StopsNamingGradNorm()
    {
        var model = new Gpt(TrainerTestKit.Shape(), 1);
        var before = model.Parameters.Data.ToArray();
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, new Poisoned(0, true), new TrainerOptions { MaxSteps = 10, BatchSize = 2 }).Run());
        Assert.Equal(0, e.Step);
        Assert.Equal("grad_norm", e.Metric);
        Assert.Equal(before, model.Parameters.Data); // the bad update was never applied
    }

    [Fact]
    public void Run_WritesMetricsJsonlLines_InTheContractShape()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "metrics.jsonl");
        var (model, sft) = Setup();
        using (var sink = new JsonlMetricsSink(path))
            new Trainer(model, sft, new TrainerOptions { MaxSteps = 2, BatchSize = 4 }, sink).Run();
        var lines = File.ReadAllLines(path);
        Assert.Contains(lines, l => l.Contains("\"name\":\"loss\""));
        foreach (var line in lines)
        {
            Assert.StartsWith("{\"step\":", line);
            using var doc = JsonDocument.Parse(line);
            var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(["step", "name", "value", "time"], names);
        }
        foreach (var name in new[] { "loss", "entropy", "mean_token_accuracy", "num_tokens", "grad_norm", "learning_rate" })
            Assert.Contains(lines, l => l.Contains($"\"name\":\"{name}\""));
    }

    [Fact]
    public void Run_SavesCheckpointsAndSamples_AndPrunesOldOnes()
    {
        using var dir = new TempDirectory();
        var (model, sft) = Setup();
        var samples = new MemoryMetricsSink();
        new Trainer(model, sft, new TrainerOptions { MaxSteps = 6, BatchSize = 4, OutputDir = dir.Path, SaveSteps = 2, SaveTotalLimit = 2 })
        {
            Samples = samples,
            SampleGenerator = _ => [new CheckpointSample("The movie was", " great.")],
        }.Run();
        var kept = Trainer.Checkpoints(dir.Path).Select(c => c.Step).ToArray();
        Assert.Equal([4, 6], kept);
        Assert.Equal([2, 4, 6], samples.Samples.Select(s => s.Step).ToArray());
        Assert.All(samples.Samples, s => Assert.Equal(new CheckpointSample("The movie was", " great."), s.Sample));
    }

    [Fact]
    public void Run_WithSampleStart_SamplesTheStartingModelAsStepZero_OnceAndNotOnAResume()
    {
        using var dir = new TempDirectory();
        var (model, sft) = Setup();
        var samples = new MemoryMetricsSink();
        Trainer Make(Gpt m, ITrainingAlgorithm a, int steps) =>
            new(m, a, new TrainerOptions { MaxSteps = steps, BatchSize = 4, OutputDir = dir.Path, SaveSteps = 2 })
            {
                Samples = samples, SampleStart = true, SampleGenerator = _ => [new CheckpointSample("The movie was", " great.")],
            };
        Make(model, sft, 2).Run();
        Assert.Equal([0, 2], samples.Samples.Select(s => s.Step).ToArray());

        var (again, sft2) = Setup();
        var resumed = Make(again, sft2, 4);
        resumed.Resume(Trainer.LatestCheckpoint(dir.Path)!);
        resumed.Run();
        Assert.Equal([0, 2, 4], samples.Samples.Select(s => s.Step).ToArray());
    }

    [Fact]
    public void SaveCheckpoint_ReportsTheSamplesBeforeTheFlushAndTheFolder()
    {
        using var dir = new TempDirectory();
        var (model, sft) = Setup();
        var events = new List<string>();
        var samples = new RecordingSamplesSink(step => events.Add($"sample {step}"));
        new Trainer(model, sft, new TrainerOptions { MaxSteps = 2, BatchSize = 4, OutputDir = dir.Path, SaveSteps = 1 })
        {
            Samples = samples,
            SampleGenerator = _ => [new CheckpointSample("p", "c")],
            BeforeCheckpoint = () => events.Add("flush"),
            CheckpointSaved = d => events.Add($"saved {Path.GetFileName(d)}"),
        }.Run();
        Assert.Equal(["sample 1", "flush", "saved checkpoint-1", "sample 2", "flush", "saved checkpoint-2"], events);
    }

    private sealed class RecordingSamplesSink(Action<int> onReport) : ISamplesSink
    {
        public void Report(int step, CheckpointSample sample, DateTimeOffset time) => onReport(step);
    }

    [Fact]
    public void Run_CallsTheEvaluationHookEveryEvalSteps_AndReportsItsValues()
    {
        var (model, sft) = Setup();
        var sink = new MemoryMetricsSink();
        var calls = new List<int>();
        new Trainer(model, sft, new TrainerOptions { MaxSteps = 6, BatchSize = 4, EvalSteps = 3 }, sink)
        {
            Evaluate = (_, step) =>
            {
                calls.Add(step);
                return new Dictionary<string, double> { ["eval/score"] = step * 10 };
            },
        }.Run();
        Assert.Equal([3, 6], calls);
        Assert.Equal([30.0, 60.0], sink.Series("eval/score"));
    }

    /// <summary>Delegates to an algorithm and cancels inside one step, after one of its micro-batches; counts the micro-batches run after that.</summary>
    private sealed class CancelInside(ITrainingAlgorithm inner, int atStep, int afterMicroBatch, CancellationTokenSource cancel) : ITrainingAlgorithm
    {
        private int _step, _micro;
        public int AfterCancel { get; private set; }
        public string Name => inner.Name;
        public int ExampleCount => inner.ExampleCount;
        public int StepsPerBatch => inner.StepsPerBatch;
        public double Weight(ReadOnlySpan<int> examples) => inner.Weight(examples);

        public void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken token)
        {
            (_step, _micro) = (step, 0);
            inner.BeginStep(model, step, iteration, examples, metrics, token);
        }

        public double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics)
        {
            if (cancel.IsCancellationRequested) AfterCancel++;
            double loss = inner.Accumulate(model, examples, lossScale, metrics);
            if (_step == atStep && ++_micro == afterMicroBatch) cancel.Cancel();
            return loss;
        }

        public void EndStep(ITrainableGpt model, int step, MetricBag metrics) => inner.EndStep(model, step, metrics);
        public string? SaveState() => inner.SaveState();
        public void LoadState(string state) => inner.LoadState(state);
    }

    [Fact]
    public void Run_CancelInsideAHugeStep_StopsAtTheNextMicroBatch_RollsTheStepBack_AndResumesIdentically()
    {
        using var dir = new TempDirectory();
        // 64 micro-batches a step: the cancel lands after the 2nd micro-batch of step 3.
        var options = new TrainerOptions { MaxSteps = 5, BatchSize = 1, GradientAccumulationSteps = 64, LearningRate = 2e-3f, Seed = 4 };
        var (m1, s1) = Setup();
        var full = new MemoryMetricsSink();
        new Trainer(m1, s1, options, full).Run();

        var (m2, s2) = Setup();
        using var cancel = new CancellationTokenSource();
        var cutting = new CancelInside(s2, atStep: 3, afterMicroBatch: 2, cancel);
        var first = new MemoryMetricsSink();
        var r = new Trainer(m2, cutting, options with { OutputDir = dir.Path, SaveSteps = 0 }, first).Run(cancel.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(3, r.Step); // the unfinished step is not counted
        Assert.Equal(0, cutting.AfterCancel); // no micro-batch ran after the cancel
        Assert.EndsWith("checkpoint-3", r.LastCheckpoint);

        var (m3, s3) = Setup(seed: 77);
        var second = new MemoryMetricsSink();
        var resumed = new Trainer(m3, s3, options with { OutputDir = dir.Path }, second);
        resumed.Resume(r.LastCheckpoint!);
        resumed.Run();
        foreach (var name in new[] { "loss", "num_tokens", "epoch" })
            Assert.Equal(full.Series(name), first.Series(name).Concat(second.Series(name)).ToArray());
        Assert.Equal(m1.Parameters.Data, m3.Parameters.Data);
    }

    [Fact]
    public void Run_CancelDuringARollout_RollsBack_AndResumesIdentically()
    {
        // GRPO with β > 0: the cancel fires while a step's rollout is scored, before its reference pass (which honours it).
        var prompts = new TaskPacks.SentimentPack().Prompts(1, 16);
        var options = new TrainerOptions { MaxSteps = 5, BatchSize = 2, LearningRate = 1e-2f, LrSchedulerType = LrSchedulerType.Constant, Seed = 5 };
        using var cancel = new CancellationTokenSource();
        int scored = 0;
        (Gpt, ITrainingAlgorithm) Setup(bool cutting)
        {
            var model = TrainerTestKit.SftModel(steps: 20);
            var reward = new FunctionReward("len", (_, c) =>
            {
                if (cutting && ++scored == 9) cancel.Cancel(); // 4 completions a step: the 9th is step 2's first
                return c.Length % 3;
            });
            return (model, new GrpoTrainer(prompts, TrainerTestKit.Tokenizer, [reward], TrainerTestKit.Copy(model.Parameters),
                new GrpoOptions { NumGenerations = 2, MaxCompletionLength = 5, Beta = 0.05f }, seed: 3));
        }
        using var dir = new TempDirectory();
        var (m1, a1) = Setup(false);
        var full = new MemoryMetricsSink();
        new Trainer(m1, a1, options, full).Run();
        var (m2, a2) = Setup(true);
        var first = new MemoryMetricsSink();
        var r = new Trainer(m2, a2, options with { OutputDir = dir.Path, SaveSteps = 0 }, first).Run(cancel.Token);
        Assert.True(r.Cancelled);
        Assert.Equal(2, r.Step); // the third rollout (step 2) was cut
        var (m3, a3) = Setup(false);
        var second = new MemoryMetricsSink();
        var resumed = new Trainer(m3, a3, options with { OutputDir = dir.Path }, second);
        resumed.Resume(r.LastCheckpoint!);
        resumed.Run();
        foreach (var name in new[] { "loss", "reward", "kl", "num_tokens" })
            Assert.Equal(full.Series(name), first.Series(name).Concat(second.Series(name)).ToArray());
        Assert.Equal(m1.Parameters.Data, m3.Parameters.Data);
    }

    [Fact]
    public void Resume_Throws_WhenTheCheckpointIsFromAnotherAlgorithm()
    {
        using var dir = new TempDirectory();
        var (model, sft) = Setup();
        new Trainer(model, sft, new TrainerOptions { MaxSteps = 1, BatchSize = 2, OutputDir = dir.Path }).Run();
        var other = new Trainer(new Gpt(TrainerTestKit.Shape(), 1), new Poisoned(99, false), new TrainerOptions { MaxSteps = 2 });
        var e = Assert.Throws<InvalidDataException>(() => other.Resume(Trainer.LatestCheckpoint(dir.Path)!));
        Assert.Contains("sft", e.Message);
    }

    [Fact]
    public void TrainerOptions_Validate_Throws_OnBadValues()
    {
        Assert.Throws<ArgumentException>(() => new TrainerOptions { BatchSize = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { GradientAccumulationSteps = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { LearningRate = float.NaN }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { MaxGradNorm = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainerOptions { MinLearningRateRatio = 2 }.Validate());
    }
}

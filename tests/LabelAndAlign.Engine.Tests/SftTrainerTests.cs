using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class SftTrainerTests
{
    [Fact]
    public void Run_LossFallsAndTokenAccuracyRises()
    {
        var model = new Gpt(TrainerTestKit.Shape(), 2);
        var sink = new MemoryMetricsSink();
        new Trainer(model, new SftTrainer(TrainerTestKit.SftRows(400), TrainerTestKit.Tokenizer.PadId, model.Config),
            new TrainerOptions { MaxSteps = 40, BatchSize = 16, LearningRate = 3e-3f, WarmupSteps = 4 }, sink).Run();
        var loss = sink.Series("loss");
        var acc = sink.Series("mean_token_accuracy");
        Assert.True(loss[^5..].Average() < loss[..5].Average() * 0.75, $"loss {loss[0]} → {loss[^1]}");
        Assert.True(acc[^5..].Average() > acc[..5].Average() + 0.1, $"accuracy {acc[0]} → {acc[^1]}");
        Assert.True(sink.Series("num_tokens")[^1] > sink.Series("num_tokens")[0]);
    }

    [Fact]
    public void Build_EosIsATrainedTarget_EvenWhenPadEqualsEos()
    {
        var tok = TrainerTestKit.Tokenizer;
        var row = ChatTemplate.Tokenize(tok, new SftExample { Prompt = "The movie was", Completion = " great." });
        Assert.Equal(tok.EosId, row.Completion[^1]);
        // Pad with the EOS id itself (GPT-2's habit): the EOS target must survive, padding must not be trained.
        var batch = SequenceBatch.Build([row, new TokenizedPair(row.Prompt, [row.Completion[0], tok.EosId])], padId: tok.EosId, blockSize: 40);
        int T = batch.T;
        Assert.Equal(tok.EosId, batch.Targets[batch.LastPosition[0]]);
        Assert.Equal(tok.EosId, batch.Targets[T + batch.LastPosition[1]]);
        for (int t = batch.LastPosition[1] + 1; t < T; t++) Assert.Equal(TokenLogits.Ignore, batch.Targets[T + t]);
        for (int t = 0; t < row.Prompt.Length - 1; t++) Assert.Equal(TokenLogits.Ignore, batch.Targets[t]);
        Assert.Equal(row.Completion.Length + 2, batch.TargetCount);
    }

    [Fact]
    public void Run_ModelLearnsToStopWithEos()
    {
        var tok = TrainerTestKit.Tokenizer;
        var rows = Enumerable.Range(0, 32).Select(_ => ChatTemplate.Tokenize(tok, new SftExample { Prompt = "The movie was", Completion = " great." })).ToList();
        var model = new Gpt(TrainerTestKit.Shape(), 4);
        new Trainer(model, new SftTrainer(rows, tok.PadId, model.Config), new TrainerOptions { MaxSteps = 40, BatchSize = 8, LearningRate = 5e-3f }).Run();
        var r = new Sampler(new InferenceModel(model.Parameters)).Generate([rows[0].Prompt],
            new SamplingOptions { Temperature = 0, MaxNewTokens = 10, EosId = tok.EosId });
        Assert.True(r.Stopped[0], "greedy generation should end with EOS");
        Assert.Equal(" great.", tok.Decode(r.Tokens[0][..^1]));
    }

    [Fact]
    public void ChatTemplate_MasksThePromptAndEndsTheAnswerWithEos()
    {
        var tok = TrainerTestKit.Tokenizer;
        var pair = ChatTemplate.Tokenize(tok, new SftExample { Messages = [new("user", "The movie was"), new("assistant", " great.")] });
        Assert.Equal(tok.SpecialTokens[SpecialTokens.User], pair.Prompt[0]);
        Assert.Equal(tok.SpecialTokens[SpecialTokens.Assistant], pair.Prompt[^1]);
        Assert.Equal(tok.EosId, pair.Prompt[^2]); // the user turn ends with EOS
        Assert.Equal(tok.EosId, pair.Completion[^1]);
        Assert.Equal(" great.", tok.Decode(pair.Completion[..^1]));
    }

    [Fact]
    public void Packing_KeepsEachExamplesPromptMasked()
    {
        var rows = TrainerTestKit.SftRows(20);
        var sft = new SftTrainer(rows, TrainerTestKit.Tokenizer.PadId, TrainerTestKit.Shape(), new SftOptions { Packing = true, MaxLength = 41 });
        Assert.True(sft.ExampleCount < rows.Count);
        int trained = rows.Sum(r => r.Completion.Length);
        Assert.Equal(trained, (int)sft.Weight(Enumerable.Range(0, sft.ExampleCount).ToArray()));
        Assert.All(sft.Rows, r => Assert.True(r.Length <= 41));
    }

    [Fact]
    public void ChatTemplate_Throws_WhenTheLastMessageIsNotTheAssistants() =>
        Assert.Throws<ArgumentException>(() => ChatTemplate.Tokenize(TrainerTestKit.Tokenizer, new SftExample { Messages = [new("user", "hi")] }));

    [Fact]
    public void SftTrainer_Throws_OnNoExamplesOrBadMaxLength()
    {
        Assert.Throws<ArgumentException>(() => new SftTrainer([], 0, TrainerTestKit.Shape()));
        Assert.Throws<ArgumentException>(() => new SftTrainer(TrainerTestKit.SftRows(2), 0, TrainerTestKit.Shape(), new SftOptions { MaxLength = 1 }));
    }
}

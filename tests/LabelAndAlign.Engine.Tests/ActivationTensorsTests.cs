using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

public class ActivationTensorsTests
{
    private static readonly GptConfig Config = new() { VocabSize = 16, BlockSize = 8, Channels = 8, Layers = 2, Heads = 2 };

    [Fact]
    public void Resize_KeepsTheBlockWhenTheShapeShrinks()
    {
        var a = new ActivationTensors(Config, 4, 8);
        var block = a.Data;
        a.Resize(2, 5);
        Assert.Same(block, a.Data);
        Assert.Equal(2 * 5 * 16, a.Logits.Length);
        Assert.Equal(2 * 2 * 2 * 5 * 5, a.Att.Length);
        a.Resize(8, 8);
        Assert.NotSame(block, a.Data);
    }

    [Fact]
    public void Slices_DoNotOverlap()
    {
        var a = new ActivationTensors(Config, 2, 4);
        long total = 0;
        for (int i = 0; i < ActivationTensors.Names.Length; i++) total += a.Slice(i).Length;
        Assert.Equal(a.Count, total);
    }

    [Fact]
    public void Resize_ThrowsWhenSequenceExceedsBlockSize()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ActivationTensors(Config, 1, 9));
        Assert.Contains("Sequence length 9 exceeds the model's block size 8", ex.Message);
    }

    [Fact]
    public void Resize_ThrowsOnNonPositiveBatch() =>
        Assert.Throws<ArgumentException>(() => new ActivationTensors(Config, 0, 4));
}

using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

public class ParameterTensorsTests
{
    [Fact]
    public void Count_MatchesGpt2Formula()
    {
        var config = new GptConfig { VocabSize = 100, BlockSize = 16, Channels = 32, Layers = 3, Heads = 4 };
        var p = new ParameterTensors(config);
        int c = 32, l = 3;
        int perLayer = 2 * c + 3 * c * c + 3 * c + c * c + c + 2 * c + 4 * c * c + 4 * c + 4 * c * c + c;
        Assert.Equal(100 * c + 16 * c + l * perLayer + 2 * c, p.Count);
        Assert.Equal(0, p.HeadW.Length);
    }

    [Fact]
    public void Slices_AreContiguousAndInOrder()
    {
        var p = new ParameterTensors(GptConfig.Tiny with { ScalarHead = true });
        int expected = 0;
        for (int i = 0; i < ParameterTensors.Names.Length; i++)
        {
            Assert.Equal(expected, p.OffsetOf(i));
            expected += p.SizeOf(i);
        }
        Assert.Equal(p.Count, expected);
        Assert.Equal(64, p.HeadW.Length);
        Assert.Equal(1, p.HeadB.Length);
    }

    [Fact]
    public void Constructor_ThrowsWhenHeadsDoNotDivideChannels()
    {
        var e = Assert.Throws<ArgumentException>(() => new ParameterTensors(GptConfig.Tiny with { Heads = 3 }));
        Assert.Contains("n_embd (64)", e.Message);
    }

    [Fact]
    public void Preset_ThrowsOnUnknownName()
    {
        var e = Assert.Throws<ArgumentException>(() => GptConfig.Preset("huge"));
        Assert.Contains("tiny", e.Message);
    }
}

using LabelAndAlign.Torch.Training;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class MixedPrecisionTests
{
    [Theory]
    [InlineData("8.6\n", 8, 6)]
    [InlineData("9.0\n8.6\n", 9, 0)] // the first GPU
    [InlineData(" 7.5 ", 7, 5)]
    public void ParseCapability_ReadsNvidiaSmi(string output, int major, int minor) =>
        Assert.Equal((major, minor), MixedPrecision.ParseCapability(output));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[N/A]")]
    [InlineData("Failed to initialize NVML: Driver/library version mismatch")]
    public void ParseCapability_UnreadableOutput_IsNull(string? output) => Assert.Null(MixedPrecision.ParseCapability(output));

    [Fact]
    public void SupportsBFloat16_FromAmpereOn()
    {
        Assert.True(MixedPrecision.SupportsBFloat16((8, 0)));
        Assert.True(MixedPrecision.SupportsBFloat16((9, 0)));
        Assert.False(MixedPrecision.SupportsBFloat16((7, 5)));
        Assert.False(MixedPrecision.SupportsBFloat16(null));
    }

    [Fact]
    public void ComputeType_OnTheCpu_IsFloat32() => Assert.Equal(ScalarType.Float32, MixedPrecision.ComputeType(CPU));
}

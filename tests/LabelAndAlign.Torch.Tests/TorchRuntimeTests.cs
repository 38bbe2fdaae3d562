using LabelAndAlign.Torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void IsAvailable_InTheTestOutput_LoadsLibtorch()
    {
        Assert.True(TorchRuntime.IsAvailable, TorchRuntime.UnavailableReason);
        Assert.Equal([LabelAndAlign.Engine.Recipe.DeviceChoice.Cpu], TorchRuntime.Devices);
    }
}

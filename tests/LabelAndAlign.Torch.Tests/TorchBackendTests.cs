using LabelAndAlign.Torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchBackendTests
{
    [Fact]
    public void IsAvailable_InTheTestOutput_LoadsLibtorch()
    {
        Assert.True(TorchBackend.IsAvailable, TorchBackend.UnavailableReason);
        Assert.Equal(["cpu"], TorchBackend.Devices);
    }
}

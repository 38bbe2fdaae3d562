using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Torch.Tests;

public class TorchBackendTests
{
    private static RunSpec Spec(EngineChoice engine, DeviceChoice device) => RunSpec.Defaults(Algorithm.Sft) with { Engine = engine, Device = device };

    [Fact]
    public void Devices_OnThisCpuBuild_AreTheCpuOnly()
    {
        var torch = new TorchBackend();
        Assert.Equal(EngineChoice.Torch, torch.Engine);
        Assert.Equal([DeviceChoice.Cpu], torch.Devices);
        Assert.Null(TorchBackend.Unavailable);
    }

    [Fact]
    public void Resolve_TorchOnCuda_WithoutAGpu_IsRefusedWithTheDevicesThereAre()
    {
        var backends = new TrainingBackends([new NativeBackend(), new TorchBackend()]);
        var e = Assert.Throws<RunSpecException>(() => backends.Resolve(Spec(EngineChoice.Torch, DeviceChoice.Cuda)));
        var error = Assert.Single(e.Errors);
        Assert.Equal("device", error.Key);
        Assert.Contains("device: cuda is not available to the torch engine here (torch on cpu)", error.Message);
    }

    [Fact]
    public void Resolve_TorchOnAuto_IsTheCpu_AndAutoOnACpuMachineIsTheNativeEngine()
    {
        var native = new NativeBackend();
        var torch = new TorchBackend();
        var backends = new TrainingBackends([native, torch]);
        Assert.Equal((torch, DeviceChoice.Cpu), backends.Resolve(Spec(EngineChoice.Torch, DeviceChoice.Auto)));
        Assert.Equal((native, DeviceChoice.Cpu), backends.Resolve(Spec(EngineChoice.Auto, DeviceChoice.Auto)));
    }
}

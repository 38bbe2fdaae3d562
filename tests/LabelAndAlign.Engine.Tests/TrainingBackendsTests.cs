using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Tests;

public sealed class TrainingBackendsTests
{
    /// <summary>A stand-in for a GPU backend: only its engine and devices matter to the registry.</summary>
    private sealed class Fake(EngineChoice engine, params DeviceChoice[] devices) : ITrainingBackend
    {
        public EngineChoice Engine => engine;
        public IReadOnlyList<DeviceChoice> Devices => devices;
        public IPreparedRun Prepare(TrainingJob job, CancellationToken cancel) => throw new NotSupportedException();
    }

    private static RunSpec Spec(EngineChoice engine, DeviceChoice device) => RunSpec.Defaults(Algorithm.Sft) with { Engine = engine, Device = device };

    [Fact]
    public void Resolve_Auto_PrefersAGpu_ElseTheNativeEngine()
    {
        var native = new NativeBackend();
        var torchCpu = new Fake(EngineChoice.Torch, DeviceChoice.Cpu);
        Assert.Same(native, new TrainingBackends([torchCpu, native]).Resolve(Spec(EngineChoice.Auto, DeviceChoice.Auto)).Backend);
        var torchGpu = new Fake(EngineChoice.Torch, DeviceChoice.Cuda, DeviceChoice.Cpu);
        var both = new TrainingBackends([native, torchGpu]);
        Assert.Equal((torchGpu, DeviceChoice.Cuda), both.Resolve(Spec(EngineChoice.Auto, DeviceChoice.Auto)));
        Assert.Equal((native, DeviceChoice.Cpu), both.Resolve(Spec(EngineChoice.Native, DeviceChoice.Auto)));
        Assert.Equal((torchGpu, DeviceChoice.Cpu), both.Resolve(Spec(EngineChoice.Torch, DeviceChoice.Cpu)));
    }

    [Fact]
    public void Resolve_Throws_ForAnEngineOrDeviceThisProcessLacks()
    {
        var e = Assert.Throws<RunSpecException>(() => TrainingBackends.NativeOnly.Resolve(Spec(EngineChoice.Torch, DeviceChoice.Auto)));
        Assert.Equal("engine", Assert.Single(e.Errors).Key);
        var d = Assert.Throws<RunSpecException>(() => TrainingBackends.NativeOnly.Resolve(Spec(EngineChoice.Auto, DeviceChoice.Cuda)));
        Assert.Equal("device", Assert.Single(d.Errors).Key);
        Assert.Contains("native on cpu", d.Message);
    }

    [Fact]
    public void Check_AnEngineThatFailedToLoadHere_SaysWhy()
    {
        var backends = new TrainingBackends([new NativeBackend()], [(EngineChoice.Torch, "libtorch could not be loaded (LibTorchSharp): version `GLIBCXX_3.4.32' not found.")]);
        var error = Assert.Single(backends.Check(Spec(EngineChoice.Torch, DeviceChoice.Auto)));
        Assert.Equal("engine", error.Key);
        Assert.StartsWith("engine: torch is not available here (this process has: native).", error.Message);
        Assert.EndsWith("libtorch could not be loaded (LibTorchSharp): version `GLIBCXX_3.4.32' not found.", error.Message);
        Assert.Empty(backends.Check(Spec(EngineChoice.Native, DeviceChoice.Auto)));
    }

    [Fact]
    public void Constructor_RefusesAnEmptyOrAmbiguousRegistry()
    {
        Assert.Throws<ArgumentException>(() => new TrainingBackends([]));
        Assert.Throws<ArgumentException>(() => new TrainingBackends([new NativeBackend(), new NativeBackend()]));
        Assert.Throws<ArgumentException>(() => new TrainingBackends([new Fake(EngineChoice.Torch)]));
    }
}

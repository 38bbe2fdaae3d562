using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Cli.Engines;

/// <summary>Which engine a model command runs on.</summary>
public enum EngineKind { Native, Torch }

/// <summary>
/// <c>--engine native|torch</c> and <c>--device auto|cpu|cuda</c> of the commands that run a model
/// (<c>logits</c>, <c>bench train</c>, <c>bench sample</c>). The device applies to the torch engine;
/// the native engine runs on the CPU only.
/// </summary>
public sealed record EngineOption(EngineKind Engine, DeviceChoice Device)
{
    public static EngineOption Read(CliArgs args)
    {
        string engine = args.String("engine") ?? "native";
        string device = args.String("device") ?? "auto";
        var kind = engine switch
        {
            "native" => EngineKind.Native,
            "torch" => EngineKind.Torch,
            _ => throw new CliUsageException($"--engine must be native or torch, found '{engine}'."),
        };
        var choice = device switch
        {
            "auto" => DeviceChoice.Auto,
            "cpu" => DeviceChoice.Cpu,
            "cuda" => DeviceChoice.Cuda,
            _ => throw new CliUsageException($"--device must be auto, cpu or cuda, found '{device}'."),
        };
        if (kind == EngineKind.Native && choice == DeviceChoice.Cuda)
            throw new CliUsageException("--device cuda needs --engine torch: the native engine runs on the CPU only.");
        return new EngineOption(kind, choice);
    }
}

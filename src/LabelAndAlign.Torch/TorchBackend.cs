using System.Runtime.InteropServices;
using LabelAndAlign.Build;
using TorchSharp;

namespace LabelAndAlign.Torch;

/// <summary>
/// Whether libtorch loads in this process and which devices it offers — what a worker advertises
/// and what a run asking for <c>engine: torch</c> / <c>device: cuda</c> is checked against.
/// <para>
/// The native libraries are loaded here, by name through the app's deps.json, before TorchSharp
/// touches them: when that fails we report the loader's own words with the fix, instead of
/// TorchSharp's fallback (which prints a misleading "no reference to libtorch-cpu" message and tries
/// to copy libtorch out of the NuGet cache).
/// </para>
/// </summary>
public static class TorchBackend
{
    private static readonly Lazy<string?> LoadFailure = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<bool> CudaPresent = new(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when libtorch and TorchSharp's native bridge load in this process.</summary>
    public static bool IsAvailable => LoadFailure.Value is null;

    /// <summary>Why <see cref="IsAvailable"/> is false (the loader's message and what to do), or null.</summary>
    public static string? UnavailableReason => LoadFailure.Value;

    /// <summary>True when this build carries libtorch's CUDA libraries and a CUDA device answers.</summary>
    public static bool CudaAvailable => IsAvailable && CudaPresent.Value;

    /// <summary>Devices a run can ask for here: always <c>cpu</c>, plus <c>cuda</c> when <see cref="CudaAvailable"/>.</summary>
    public static IReadOnlyList<string> Devices => !IsAvailable ? [] : CudaAvailable ? ["cpu", "cuda"] : ["cpu"];

    /// <summary>Throws <see cref="TorchUnavailableException"/> with the reason unless libtorch is usable.</summary>
    public static void EnsureAvailable()
    {
        if (LoadFailure.Value is { } reason) throw new TorchUnavailableException(reason);
    }

    /// <summary>
    /// The device for a run's <c>device</c> option: <c>auto</c> (CUDA when present, else CPU), <c>cpu</c>,
    /// or <c>cuda</c> (an error on a machine without one, rather than a silent fall-back to the CPU).
    /// </summary>
    public static torch.Device ResolveDevice(string device)
    {
        EnsureAvailable();
        return device switch
        {
            "auto" => CudaAvailable ? torch.CUDA : torch.CPU,
            "cpu" => torch.CPU,
            "cuda" => CudaAvailable ? torch.CUDA : throw new TorchUnavailableException(
                "device: cuda was asked for, but this machine has no usable CUDA device " +
                (CudaPresent.Value ? "" : "(this build carries the CPU libtorch; build with -p:TorchDevice=cuda on a machine with an NVIDIA driver) ") +
                "— use device: cpu or auto, or run it on a worker that reports cuda."),
            _ => throw new ArgumentException($"device must be auto, cpu or cuda, found '{device}'.", nameof(device)),
        };
    }

    private static string? TryLoad()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return $"The torch backend is built for linux-x64 only; this is {RuntimeInformation.RuntimeIdentifier}.";
        var assembly = typeof(torch).Assembly;
        foreach (var name in new[] { "torch_cpu", "LibTorchSharp" })
        {
            try
            {
                NativeLibrary.Load(name, assembly, null);
            }
            catch (DllNotFoundException e)
            {
                return $"libtorch could not be loaded ({name}): {e.Message}{Hint(name)}";
            }
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or DllNotFoundException)
        {
            return $"TorchSharp did not initialise: {e.Message}";
        }
        return null;
    }

    private static string Hint(string name)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        if (name == "torch_cpu")
            return $" Expected libtorch_cpu.so under {dir} (from the libtorch-cpu-linux-x64 package): rebuild with `dotnet build`.";
        string bridge = Path.Combine(dir, "libLibTorchSharp.so");
        if (!File.Exists(bridge)) return $" Expected {bridge} (from the TorchSharp package): rebuild with `dotnet build`.";
        var strict = ElfVersionNeeds.Read(File.ReadAllBytes(bridge))
            .Where(n => n.Value.Key.StartsWith("GLIBCXX_", StringComparison.Ordinal) && !n.Value.Value)
            .Select(n => n.Value.Key).ToList();
        return $" {bridge} strictly requires {string.Join(", ", strict)} of libstdc++. The build marks GLIBCXX_3.4.32 optional " +
               "(build/TorchSharp.targets, after every copy into an output folder); if this copy did not come from `dotnet build` or " +
               "`dotnet publish` of this repository, rebuild, or install a libstdc++ that provides the missing version.";
    }

    private static bool ProbeCuda()
    {
        // A CPU build has no libtorch_cuda; asking TorchSharp about CUDA there only walks its fallback paths.
        if (!NativeLibrary.TryLoad("torch_cuda", typeof(torch).Assembly, null, out _)) return false;
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>The torch backend cannot run here; the message says why and what to do.</summary>
public sealed class TorchUnavailableException(string message) : Exception(message);

using System.Runtime.InteropServices;
using LabelAndAlign.Build;
using LabelAndAlign.Engine.Recipe;
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
public static class TorchRuntime
{
    /// <summary>The one libstdc++ version the build makes optional (see build/TorchSharp.targets).</summary>
    public const string OptionalGlibcxx = "GLIBCXX_3.4.32";

    private static readonly Lazy<string?> LoadFailure = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<bool> CudaPresent = new(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when libtorch and TorchSharp's native bridge load in this process.</summary>
    public static bool IsAvailable => LoadFailure.Value is null;

    /// <summary>Why <see cref="IsAvailable"/> is false (the loader's message and what to do), or null.</summary>
    public static string? UnavailableReason => LoadFailure.Value;

    /// <summary>True when this build carries libtorch's CUDA libraries and a CUDA device answers.</summary>
    public static bool CudaAvailable => IsAvailable && CudaPresent.Value;

    /// <summary>Devices a run can ask for here, best first: CUDA when <see cref="CudaAvailable"/>, then the CPU; none when libtorch does not load.</summary>
    public static IReadOnlyList<DeviceChoice> Devices => !IsAvailable ? [] : CudaAvailable ? [DeviceChoice.Cuda, DeviceChoice.Cpu] : [DeviceChoice.Cpu];

    /// <summary>Throws <see cref="TorchUnavailableException"/> with the reason unless libtorch is usable.</summary>
    public static void EnsureAvailable()
    {
        if (LoadFailure.Value is { } reason) throw new TorchUnavailableException(reason);
    }

    /// <summary>
    /// The device for a run's <c>device</c> option: <c>auto</c> (CUDA when present, else CPU), <c>cpu</c>,
    /// or <c>cuda</c> (an error on a machine without one, rather than a silent fall-back to the CPU).
    /// </summary>
    public static torch.Device ResolveDevice(DeviceChoice device)
    {
        EnsureAvailable();
        return device switch
        {
            DeviceChoice.Auto => CudaAvailable ? torch.CUDA : torch.CPU,
            DeviceChoice.Cpu => torch.CPU,
            DeviceChoice.Cuda => CudaAvailable ? torch.CUDA : throw new TorchUnavailableException(
                "device: cuda was asked for, but this machine has no usable CUDA device " +
                (CudaPresent.Value ? "" : "(this build carries the CPU libtorch; build with -p:TorchDevice=cuda on a machine with an NVIDIA driver) ") +
                "— use device: cpu or auto, or run it on a worker that reports cuda."),
            _ => throw new ArgumentOutOfRangeException(nameof(device), device, "Unknown device."),
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
        // A framework-dependent build keeps native libraries under runtimes/<rid>/native; a RID-specific publish beside the app.
        string[] dirs = [Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), AppContext.BaseDirectory];
        if (name == "torch_cpu")
            return $" Expected libtorch_cpu.so in {string.Join(" or ", dirs)} (from the libtorch-cpu-linux-x64 package): rebuild with `dotnet build`.";
        string? bridge = dirs.Select(d => Path.Combine(d, "libLibTorchSharp.so")).FirstOrDefault(File.Exists);
        if (bridge is null) return $" Expected libLibTorchSharp.so in {string.Join(" or ", dirs)} (from the TorchSharp package): rebuild with `dotnet build`.";
        bool stillStrict = ElfVersionNeeds.Read(File.ReadAllBytes(bridge)).Any(n => n.Value.Key == OptionalGlibcxx && !n.Value.Value);
        return stillStrict
            ? $" {bridge} still strictly requires {OptionalGlibcxx} of libstdc++: the build step that marks it optional " +
              "(build/TorchSharp.targets, after every copy into a build or publish folder) did not run on this copy. " +
              "Rebuild with `dotnet build` or `dotnet publish` of this repository, or install a libstdc++ that provides it."
            : $" {OptionalGlibcxx} is already optional in {bridge}; the loader's message names what else is missing.";
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

using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

/// <summary>
/// The dtype of a device's matrix products: bfloat16 on a CUDA GPU that computes it natively (compute capability
/// 8.0 and newer: Ampere, Ada, Hopper — what PyTorch's <c>is_bf16_supported</c> checks), float32 elsewhere (the CPU,
/// older GPUs, or when the capability cannot be read). TorchSharp has no device-properties call, so the capability
/// comes from the driver's <c>nvidia-smi</c>.
/// </summary>
public static class MixedPrecision
{
    private static readonly Lazy<(int Major, int Minor)?> Capability = new(ReadCapability);

    public static ScalarType ComputeType(Device device) =>
        device.type == DeviceType.CUDA && SupportsBFloat16(Capability.Value) ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>Native bfloat16 matrix products from compute capability 8.0 on.</summary>
    public static bool SupportsBFloat16((int Major, int Minor)? capability) => capability is { Major: >= 8 };

    /// <summary>The first GPU's compute capability from <c>nvidia-smi --query-gpu=compute_cap</c> output ("8.6"), or null.</summary>
    public static (int Major, int Minor)? ParseCapability(string? output)
    {
        string? line = output?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var parts = line?.Split('.');
        return parts is { Length: 2 }
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? (major, minor) : null;
    }

    private static (int, int)? ReadCapability()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=compute_cap --format=csv,noheader")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd();
            return p.WaitForExit(10_000) && p.ExitCode == 0 ? ParseCapability(output) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no driver tools: keep float32
        }
    }
}

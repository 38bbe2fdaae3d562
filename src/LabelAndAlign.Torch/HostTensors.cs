using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch;

/// <summary>
/// Moves float32 data between managed arrays and tensors on any device in one copy each way: CPU
/// tensors through their own memory, others through a CPU staging tensor.
/// </summary>
public static class HostTensors
{
    /// <summary>Copies <paramref name="source"/> into the contiguous float32 tensor <paramref name="destination"/>.</summary>
    public static void CopyIn(Tensor destination, ReadOnlySpan<float> source)
    {
        Check(destination, source.Length);
        if (destination.device_type == DeviceType.CPU)
        {
            source.CopyTo(Floats(destination));
            return;
        }
        using var staging = empty(destination.shape, ScalarType.Float32, CPU);
        source.CopyTo(Floats(staging));
        destination.copy_(staging);
    }

    /// <summary>Copies the float32 tensor <paramref name="source"/> (any device, any layout) into <paramref name="destination"/>.</summary>
    public static void CopyOut(Tensor source, Span<float> destination)
    {
        if (source.dtype != ScalarType.Float32) throw new ArgumentException($"Expected a float32 tensor, found {source.dtype}.", nameof(source));
        if (source.numel() != destination.Length)
            throw new ArgumentException($"The tensor has {source.numel()} values; the destination holds {destination.Length}.", nameof(destination));
        if (source.device_type == DeviceType.CPU && source.is_contiguous())
        {
            Floats(source).CopyTo(destination);
            return;
        }
        using var host = source.to(CPU).contiguous();
        Floats(host).CopyTo(destination);
    }

    /// <summary>A float32 tensor on the CPU as a new array.</summary>
    public static float[] ToArray(Tensor source)
    {
        var a = new float[source.numel()];
        CopyOut(source, a);
        return a;
    }

    /// <summary>An int64 tensor (B, T) of token ids on <paramref name="device"/>.</summary>
    public static Tensor Tokens(ReadOnlySpan<int> ids, int rows, int columns, Device device)
    {
        if (ids.Length != rows * columns) throw new ArgumentException($"Expected {rows * columns} ids ({rows} × {columns}), found {ids.Length}.", nameof(ids));
        var longs = new long[ids.Length];
        for (int i = 0; i < ids.Length; i++) longs[i] = ids[i];
        return tensor(longs, [rows, columns], ScalarType.Int64, device);
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    private static void Check(Tensor t, int length)
    {
        if (t.dtype != ScalarType.Float32) throw new ArgumentException($"Expected a float32 tensor, found {t.dtype}.");
        if (!t.is_contiguous()) throw new ArgumentException("Expected a contiguous tensor.");
        if (t.numel() != length) throw new ArgumentException($"The tensor has {t.numel()} values; the source holds {length}.");
    }
}

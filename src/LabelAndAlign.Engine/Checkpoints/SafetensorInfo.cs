namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>
/// One entry of a safetensors header: dtype, shape and the byte range <c>[Begin, End)</c> of its
/// data, relative to the start of the data section (the byte after the JSON header).
/// </summary>
public sealed record SafetensorInfo(string Name, string Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Product of the shape (1 for a scalar, shape []).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>Bytes per element for the dtypes we read, or 0 for one we cannot convert.</summary>
    public static int DtypeSize(string dtype) => dtype switch
    {
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "F64" or "I64" or "U64" => 8,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    /// <summary>The shape as Python prints it, for messages: <c>(768, 2304)</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(IReadOnlyList<long> shape) =>
        "(" + string.Join(", ", shape) + (shape.Count == 1 ? ",)" : ")");
}

/// <summary>A float32 tensor to write: its name, its shape and its values in row-major order.</summary>
public sealed record SafetensorEntry(string Name, long[] Shape, ReadOnlyMemory<float> Data);

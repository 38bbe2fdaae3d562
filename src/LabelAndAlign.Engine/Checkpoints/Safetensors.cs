using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>
/// Hugging Face's safetensors format: 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>),
/// then the raw little-endian tensor bytes. Reading keeps the file open and reads one tensor at a
/// time, so a 500 MB checkpoint never sits in memory twice. F32 is read as is; F16 and BF16 are
/// widened to float32 on read. We always write F32.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Headers beyond this are certainly not safetensors (the reference reader caps at 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorInfo> _tensors;

    private SafetensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, SafetensorInfo> tensors,
        Dictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The optional <c>__metadata__</c> string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor in the header, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorInfo> Tensors => _tensors;

    /// <summary>Opens a file and validates its header; throws <see cref="InvalidDataException"/> naming what was expected and found.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors file not found: {path}", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
                throw new InvalidDataException($"{path}: not a safetensors file: expected an 8-byte header length, found a file of {fileLength} bytes.");
            Span<byte> lenBytes = stackalloc byte[8];
            stream.ReadExactly(lenBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLength > (ulong)(fileLength - 8) || headerLength > MaxHeaderBytes)
                throw new InvalidDataException(
                    $"{path}: not a safetensors file: the first 8 bytes give a header length of {headerLength} bytes, " +
                    $"but the file has only {fileLength - 8} bytes after them (expected a little-endian JSON header length).");
            if (headerLength < 2)
                throw new InvalidDataException($"{path}: not a safetensors file: header length {headerLength} is too short for a JSON object.");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            var (tensors, metadata) = ParseHeader(path, header, dataLength);
            return new SafetensorsFile(path, stream, dataStart, tensors, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafetensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            string start = Encoding.UTF8.GetString(header, 0, Math.Min(header.Length, 40)).ReplaceLineEndings(" ");
            throw new InvalidDataException(
                $"{path}: not a safetensors file: expected a JSON header after the 8-byte length, found '{start}…' ({e.Message}).");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: safetensors header must be a JSON object, found {doc.RootElement.ValueKind}.");
            var tensors = new Dictionary<string, SafetensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in prop.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors[prop.Name] = ParseEntry(path, prop, dataLength);
            }
            return (tensors, metadata);
        }
    }

    private static SafetensorInfo ParseEntry(string path, JsonProperty prop, long dataLength)
    {
        var v = prop.Value;
        string name = prop.Name;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new InvalidDataException(
                $"{path}: tensor '{name}': expected {{\"dtype\", \"shape\", \"data_offsets\": [begin, end]}}, found {Truncate(v.GetRawText())}.");
        string dtype = dtypeEl.GetString()!;
        var shape = new long[shapeEl.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (!d.TryGetInt64(out shape[i]) || shape[i] < 0)
                throw new InvalidDataException($"{path}: tensor '{name}': shape must hold non-negative integers, found {shapeEl.GetRawText()}.");
            i++;
        }
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"{path}: tensor '{name}': data_offsets must be [begin, end] with 0 <= begin <= end, found {offEl.GetRawText()}.");
        var info = new SafetensorInfo(name, dtype, shape, begin, end);
        int size = SafetensorInfo.DtypeSize(dtype);
        if (size > 0 && end - begin != info.ElementCount * size)
            throw new InvalidDataException(
                $"{path}: tensor '{name}': {dtype} shape {info.ShapeText} needs {info.ElementCount * size} bytes, but data_offsets [{begin}, {end}] span {end - begin}.");
        if (end > dataLength)
            throw new InvalidDataException(
                $"{path}: truncated: tensor '{name}' needs data bytes [{begin}, {end}) but the file's data section has only {dataLength} bytes.");
        return info;
    }

    private static string Truncate(string s) => s.Length <= 120 ? s : s[..120] + "…";

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry for <paramref name="name"/>; throws naming the missing tensor.</summary>
    public SafetensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out var info) ? info
            : throw new InvalidDataException($"{Path}: missing tensor '{name}' (the file holds {_tensors.Count} tensors).");

    /// <summary>Reads a tensor into <paramref name="destination"/> as float32 (F32 as is, F16/BF16 widened).</summary>
    public void ReadInto(string name, Span<float> destination)
    {
        var info = Info(name);
        if (info.ElementCount != destination.Length)
            throw new InvalidDataException(
                $"{Path}: tensor '{name}' has {info.ElementCount} elements (shape {info.ShapeText}), expected {destination.Length}.");
        switch (info.Dtype)
        {
            case "F32":
                ReadBytes(info.Begin, MemoryMarshal.AsBytes(destination));
                if (!BitConverter.IsLittleEndian)
                {
                    var ints = MemoryMarshal.Cast<float, int>(destination);
                    for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReverseEndianness(ints[i]);
                }
                break;
            case "F16":
            case "BF16":
            {
                var raw = new ushort[destination.Length];
                ReadBytes(info.Begin, MemoryMarshal.AsBytes(raw.AsSpan()));
                bool bf16 = info.Dtype == "BF16";
                for (int i = 0; i < raw.Length; i++)
                {
                    ushort bits = BitConverter.IsLittleEndian ? raw[i] : BinaryPrimitives.ReverseEndianness(raw[i]);
                    destination[i] = bf16 ? BitConverter.Int32BitsToSingle(bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);
                }
                break;
            }
            default:
                throw new InvalidDataException(
                    $"{Path}: tensor '{name}' has dtype {info.Dtype}; expected F32 (F16 and BF16 are converted to F32 on load).");
        }
    }

    /// <summary>Reads a whole tensor as a new float32 array.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        var data = new float[checked((int)info.ElementCount)];
        ReadInto(name, data);
        return data;
    }

    private void ReadBytes(long offset, Span<byte> destination)
    {
        _stream.Position = _dataStart + offset;
        int read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read < destination.Length)
            throw new InvalidDataException($"{Path}: truncated: expected {destination.Length} bytes at data offset {offset}, found {read}.");
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Writes F32 tensors (in the order given) and an optional <c>__metadata__</c> map. The header is
    /// padded with spaces to a multiple of 8 bytes so the data section is aligned, as the reference
    /// writer does. The file is written beside the target and moved into place, so a crash never
    /// leaves half a checkpoint under the real name.
    /// </summary>
    public static void Write(string path, IEnumerable<SafetensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var headerJson = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerJson))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in list)
            {
                if (!names.Add(t.Name)) throw new ArgumentException($"Tensor name '{t.Name}' appears twice.");
                long count = 1;
                foreach (var d in t.Shape) count *= d;
                if (count != t.Data.Length)
                    throw new ArgumentException($"Tensor '{t.Name}': shape {SafetensorInfo.FormatShape(t.Shape)} holds {count} elements, data has {t.Data.Length}.");
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + count * 4);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += count * 4;
            }
            w.WriteEndObject();
        }
        int pad = (int)((8 - headerJson.Length % 8) % 8);
        for (int i = 0; i < pad; i++) headerJson.WriteByte((byte)' ');

        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string temp = path + ".tmp";
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)headerJson.Length);
            fs.Write(len);
            headerJson.Position = 0;
            headerJson.CopyTo(fs);
            foreach (var t in list)
            {
                if (BitConverter.IsLittleEndian)
                {
                    fs.Write(MemoryMarshal.AsBytes(t.Data.Span));
                }
                else
                {
                    var buf = new byte[4];
                    foreach (var f in t.Data.Span)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(buf, f);
                        fs.Write(buf);
                    }
                }
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}

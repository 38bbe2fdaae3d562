using System.Buffers.Binary;
using System.Text;
using LabelAndAlign.Engine.Checkpoints;

namespace LabelAndAlign.Engine.Tests;

public class SafetensorsTests
{
    private static string WriteRaw(string dir, string header, byte[] data, ulong? declaredLength = null)
    {
        string path = Path.Combine(dir, "t.safetensors");
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Write_ThenOpen_RoundTripsBitExactly()
    {
        string dir = InferenceTestModels.TempDir();
        string path = Path.Combine(dir, "x.safetensors");
        var a = new float[] { 1.5f, -0f, float.Epsilon, float.MaxValue, 1f / 3f, BitConverter.Int32BitsToSingle(0x7FC00123) };
        var b = new float[] { 42f };
        SafetensorsFile.Write(path, [new SafetensorEntry("a", [2, 3], a), new SafetensorEntry("b", [], b)],
            new Dictionary<string, string> { ["format"] = "pt" });
        Assert.Equal(0, (new FileInfo(path).Length - 8 - 6 * 4 - 4) % 8); // header padded to 8 bytes
        using var f = SafetensorsFile.Open(path);
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(new long[] { 2, 3 }, f.Tensors["a"].Shape);
        Assert.Empty(f.Tensors["b"].Shape);
        var back = f.ReadFloat32("a");
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(42f, f.ReadFloat32("b")[0]);
    }

    [Fact]
    public void ReadInto_ConvertsF16AndBF16ToFloat32()
    {
        string dir = InferenceTestModels.TempDir();
        var data = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(data, BitConverter.HalfToUInt16Bits((Half)1.5f));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2), BitConverter.HalfToUInt16Bits((Half)(-0.25f)));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(4), (ushort)(BitConverter.SingleToInt32Bits(3.0f) >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(6), (ushort)(BitConverter.SingleToInt32Bits(-2.5f) >> 16));
        string path = WriteRaw(dir,
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}", data);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(new[] { 1.5f, -0.25f }, f.ReadFloat32("h"));
        Assert.Equal(new[] { 3f, -2.5f }, f.ReadFloat32("b"));
    }

    [Fact]
    public void Open_ThrowsOnFileShorterThanTheLengthPrefix()
    {
        string path = Path.Combine(InferenceTestModels.TempDir(), "short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("expected an 8-byte header length, found a file of 3 bytes", e.Message);
    }

    [Fact]
    public void Open_ThrowsWhenHeaderLengthIsBeyondTheFile()
    {
        string path = WriteRaw(InferenceTestModels.TempDir(), "{}", [], declaredLength: 1_000_000);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("header length of 1000000 bytes", e.Message);
        Assert.Contains("only 2 bytes", e.Message);
    }

    [Fact]
    public void Open_ThrowsWhenHeaderIsNotJson()
    {
        string path = WriteRaw(InferenceTestModels.TempDir(), "PK\u0003\u0004 not json at all", new byte[16]);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("expected a JSON header", e.Message);
        Assert.Contains("found 'PK", e.Message);
    }

    [Fact]
    public void Open_ThrowsWhenDataIsTruncated()
    {
        string dir = InferenceTestModels.TempDir();
        string path = Path.Combine(dir, "x.safetensors");
        SafetensorsFile.Write(path, [new SafetensorEntry("w", [4, 4], new float[16])]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("'w' needs data bytes [0, 64)", e.Message);
        Assert.Contains("only 54 bytes", e.Message);
    }

    [Fact]
    public void Open_ThrowsWhenOffsetsDisagreeWithShape()
    {
        string path = WriteRaw(InferenceTestModels.TempDir(), "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("needs 12 bytes", e.Message);
    }

    [Fact]
    public void Info_ThrowsNamingTheMissingTensor()
    {
        string path = Path.Combine(InferenceTestModels.TempDir(), "x.safetensors");
        SafetensorsFile.Write(path, [new SafetensorEntry("w", [1], new float[1])]);
        using var f = SafetensorsFile.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => f.Info("transformer.h.3.ln_1.weight"));
        Assert.Contains("missing tensor 'transformer.h.3.ln_1.weight'", e.Message);
    }

    [Fact]
    public void ReadInto_ThrowsOnUnsupportedDtype()
    {
        string path = WriteRaw(InferenceTestModels.TempDir(), "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        using var f = SafetensorsFile.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => f.ReadFloat32("i"));
        Assert.Contains("dtype I64; expected F32", e.Message);
    }

    [Fact]
    public void Write_ThrowsWhenShapeDisagreesWithData()
    {
        string path = Path.Combine(InferenceTestModels.TempDir(), "x.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [new SafetensorEntry("w", [2, 2], new float[3])]));
        Assert.Contains("holds 4 elements, data has 3", e.Message);
    }
}

using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Tests;

public class ByteLevelTests
{
    [Fact]
    public void CharOf_MatchesGpt2Table()
    {
        Assert.Equal('Ġ', ByteLevel.CharOf((byte)' '));
        Assert.Equal('Ċ', ByteLevel.CharOf((byte)'\n'));
        Assert.Equal('A', ByteLevel.CharOf((byte)'A'));
        Assert.Equal('\u0100', ByteLevel.CharOf(0));
        Assert.Equal('\u0143', ByteLevel.CharOf(0xAD)); // the last non-printable byte takes the last character
    }

    [Fact]
    public void EncodeThenDecode_AllBytes_RoundTrips()
    {
        var all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        string text = ByteLevel.Encode(all);
        Assert.Equal(256, text.Distinct().Count());
        Assert.Equal(all, ByteLevel.Decode(text));
    }

    [Fact]
    public void Decode_CharacterOutsideTable_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => ByteLevel.Decode("ab c"));
        Assert.Contains("U+0020", e.Message);
        Assert.False(ByteLevel.TryDecode("日", out _));
    }
}

using LabelAndAlign.Web.Services;

namespace LabelAndAlign.Web.Tests;

public class WordsTests
{
    [Theory]
    [InlineData(0, "0 rows")]
    [InlineData(1, "1 row")]
    [InlineData(2, "2 rows")]
    [InlineData(2500, "2,500 rows")]
    public void Count_AgreesWithItsNoun(long n, string expected) => Assert.Equal(expected, Words.Count(n, "row"));

    [Fact]
    public void Count_TakesAnIrregularPlural()
    {
        Assert.Equal("1 entry", Words.Count(1, "entry", "entries"));
        Assert.Equal("3 entries", Words.Count(3, "entry", "entries"));
    }
}

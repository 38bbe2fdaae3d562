using LabelAndAlign.Web.Services;

namespace LabelAndAlign.Web.Tests;

public class CsvCellTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@A1", "'@A1")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("=A1,B1", "\"'=A1,B1\"")]
    [InlineData("", "")]
    [InlineData("a=b", "a=b")]
    public void Text_QuotesAndDefusesFormulas(string value, string cell) => Assert.Equal(cell, CsvCell.Text(value));
}

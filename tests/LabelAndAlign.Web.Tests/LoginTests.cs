using LabelAndAlign.Web.Components.Pages.Account;

namespace LabelAndAlign.Web.Tests;

public class LoginTests
{
    [Theory]
    [InlineData("/runs", "/runs")]
    [InlineData("/label?project=3", "/label?project=3")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    public void SafeReturnUrl_KeepsOnlyLocalPaths(string? input, string expected) =>
        Assert.Equal(expected, Login.SafeReturnUrl(input));
}

using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests;

public class MarkdownTests
{
    [Fact]
    public void ToSafeHtml_RawHtml_IsEscapedNotRendered()
    {
        string html = Markdown.ToSafeHtml("Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<div onclick=\"x()\">block</div>");
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<div", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JavaScript:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[click](//evil.example/x)")]
    [InlineData("<javascript:alert(1)>")]
    public void ToSafeHtml_UnsafeLinkTargets_AreDropped(string markdown)
    {
        string html = Markdown.ToSafeHtml(markdown);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html);
        Assert.DoesNotContain("//evil", html);
    }

    [Fact]
    public void ToSafeHtml_KeepsCodeTablesAndSafeLinks()
    {
        string html = Markdown.ToSafeHtml("**bold** [docs](https://example.com)\n\n```python\nprint('<b>')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("href=\"https://example.com\"", html);
        Assert.Contains("print('&lt;b&gt;')", html);
        Assert.Contains("<table>", html);
    }

    [Fact]
    public void ToSafeHtml_ExternalImages_AreNotLoaded()
    {
        Assert.DoesNotContain("tracker.example", Markdown.ToSafeHtml("![x](https://tracker.example/pixel.png)"));
    }
}

using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>What every page must be at any screen size: nothing wider than the screen, and the app bar whole.</summary>
public static class PageLayout
{
    // Elements of the app bar that end outside the screen (a clipped header), by what they say.
    private const string ClippedHeaderScript = """
        () => [...document.querySelectorAll('header *')]
          .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && (r.left < -0.5 || r.right > window.innerWidth + 0.5 || r.top < -0.5); })
          .map(e => `${e.tagName.toLowerCase()}.${e.className} "${(e.getAttribute('aria-label') ?? e.textContent ?? '').trim().slice(0, 30)}"`)
        """;

    // The outermost elements that reach past the screen's right edge, to say where an overflow comes from.
    private const string TooWideScript = """
        () => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 0.5))
          .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${String(e.className).split(' ').slice(0, 3).join('.')} (${Math.round(e.getBoundingClientRect().width)} px)`)
        """;

    /// <summary>Fails, naming the elements at fault, when the page scrolls sideways or its app bar is clipped.</summary>
    public static async Task AssertFitsAsync(IPage page, string where)
    {
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow == 0, $"{where}: the page is {overflow} px wider than the screen, at {string.Join(", ", await page.EvaluateAsync<string[]>(TooWideScript))}");
        var clipped = await page.EvaluateAsync<string[]>(ClippedHeaderScript);
        Assert.True(clipped.Length == 0, $"{where}: the app bar is clipped at {string.Join(", ", clipped)}");
    }
}

namespace LabelAndAlign.Web.Components.Shared;

/// <summary>
/// Text for plotly's labels (trace names in legends and hover). Plotly reads a small HTML subset
/// there — <c>&lt;a href&gt;</c>, <c>&lt;b&gt;</c>, <c>&lt;br&gt;</c> — so a run named
/// <c>&lt;a href="…"&gt;</c> would become a link in the legend. Escaped, plotly shows it as the
/// characters it is made of (it decodes entities only inside text, after reading tags).
/// </summary>
public static class PlotlyText
{
    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}

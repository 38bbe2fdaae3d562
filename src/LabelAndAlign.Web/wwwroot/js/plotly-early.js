// Plotly.Blazor loads plotly (1.1 MB to execute) only when a chart first renders in the live circuit, which starts
// after the page's HTML, and the chart then waits for it. A page that charts names Plotly.Blazor's interop module and
// bundle in its first HTML (PlotlyPreload); on such a page this starts plotly at once, through Plotly.Blazor's own
// loader, so it executes while the circuit connects. The chart's own load then finds it: the same module instance
// (same address) and the same script element (same id and source), so plotly runs once.
const link = document.querySelector('link[data-plotly-bundle]');
if (link) {
  const interop = await import(link.href);
  await interop.importScript(link.dataset.plotlyId, link.dataset.plotlyBundle);
}

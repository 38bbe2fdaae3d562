// Plotly.Blazor loads plotly (1.1 MB to execute) only when a chart first renders in the live circuit, and the chart
// then waits for it. A page that charts names Plotly.Blazor's interop module and bundle in its first HTML
// (PlotlyPreload), so both download while the page loads; this Blazor JS initializer starts plotly through
// Plotly.Blazor's own loader once the circuit has started, so plotly executes while the server renders the page's
// components instead of before the circuit connects (executing, it holds the page's only thread). The chart's own
// load then finds it: the same module instance (same address) and the same script element (same id and source), so
// plotly runs once. A page that charts reached inside the app (no full load) adds the same link to <head> with the
// render that brings its charts: plotly starts then, while the page reads its charts' data, not after.
export async function afterServerStarted() {
  const link = document.querySelector('link[data-plotly-bundle]');
  if (link) {
    await startPlotly(link);
    return;
  }
  const watch = new MutationObserver(() => {
    const added = document.head.querySelector('link[data-plotly-bundle]');
    if (!added) return;
    watch.disconnect();
    startPlotly(added);
  });
  watch.observe(document.head, { childList: true });
}

async function startPlotly(link) {
  const interop = await import(link.href);
  await interop.importScript(link.dataset.plotlyId, link.dataset.plotlyBundle);
}

// A metric board's live points: every chart's new points of one board pass, in one call, drawn at the browser's
// next animation frame together with any pass that comes before it. Plotly.Blazor's ExtendTraces is one interop
// call per chart, each drawn at once: when training is fast, the board's passes (7-9 charts, ~15 ms of plotly each
// on a 2-core machine) queued up on the browser's main thread, and a point waited for two or three passes before
// its own. Here the passes that arrive before a frame are merged and each chart is redrawn once per frame.
// The charts themselves stay Plotly.Blazor's (first plot, redraws, events).
//
// Each extension names how long each trace was before its points (`from`). A trace of another length is left alone:
// a redraw that crossed this call already carries the points (or the chart is gone), so nothing is drawn twice.

const pending = new Map();  // chart id → Map(trace → { from, x, y })
let frame = 0;
let waiting = [];

export function extendCharts(extensions) {
  for (const { id, traces, from, x, y } of extensions) {
    let chart = pending.get(id);
    if (!chart) pending.set(id, chart = new Map());
    traces.forEach((t, i) => {
      const queued = chart.get(t);
      // Points that follow the ones waiting join them; otherwise the chart was redrawn on the server between them,
      // and that redraw carries the earlier ones.
      if (queued && queued.from + queued.x.length === from[i]) {
        queued.x.push(...x[i]);
        queued.y.push(...y[i]);
      } else {
        chart.set(t, { from: from[i], x: [...x[i]], y: [...y[i]] });
      }
    });
  }
  // Acknowledged once drawn: the board sends its next pass behind this one, not on top of a queue.
  const drawn = new Promise(resolve => waiting.push(resolve));
  // A hidden tab gets no animation frames: draw at once there.
  if (document.visibilityState === 'hidden') draw();
  else if (!frame) frame = requestAnimationFrame(draw);
  return drawn;
}

function draw() {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  const charts = [...pending];
  const done = waiting;
  pending.clear();
  waiting = [];
  try {
    for (const [id, traces] of charts) {
      const gd = document.getElementById(id);
      if (!gd || !Array.isArray(gd.data) || !window.Plotly) continue;
      const take = [...traces].filter(([t, q]) => gd.data[t]?.x?.length === q.from);
      if (take.length === 0) continue;
      window.Plotly.extendTraces(gd, { x: take.map(([, q]) => q.x), y: take.map(([, q]) => q.y) }, take.map(([t]) => t));
    }
  } finally {
    done.forEach(resolve => resolve());
  }
}

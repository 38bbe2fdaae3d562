// A metric board's live points: every chart's new points of one board pass, in one call, drawn at the browser's
// next animation frame together with any pass that comes before it. Plotly.Blazor's ExtendTraces is one interop
// call per chart, each drawn at once: when training is fast, the board's passes (7-9 charts, ~15 ms of plotly each
// on a 2-core machine) queued up on the browser's main thread, and a point waited for two or three passes before
// its own. Here the passes that arrive before a frame are merged and each chart is redrawn once per frame.
// The charts themselves stay Plotly.Blazor's (first plot, redraws, events).
//
// A chart off screen is not redrawn: its points wait here, merged, and are drawn when it scrolls into view (as
// W&B's panels do). A plotly redraw costs about the same whatever it adds, so a run page on a laptop screen, which
// shows three or four of its charts, spends its time on those.
//
// Each extension names how long each trace was before its points (`from`). Points the trace already holds are not
// drawn again: a redraw from the server that crossed them carries them (it may also carry only some, when it came
// while the chart waited off screen). A trace of any other length is left alone (the chart was redrawn with other
// points, or is gone); the server's next redraw of it carries its points.

const pending = new Map();  // chart id → Map(trace → { from, x, y })
const offScreen = new Set();  // ids of the charts last seen out of view
const watched = new WeakSet();
let observer = null;
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
  else schedule();
  return drawn;
}

function schedule() {
  if (!frame) frame = requestAnimationFrame(draw);
}

// Notes when a chart goes out of view or comes back (drawing what it missed meanwhile).
function watch(gd) {
  if (watched.has(gd) || typeof IntersectionObserver !== 'function') return;
  observer ??= new IntersectionObserver(entries => {
    let shown = false;
    for (const { target, isIntersecting } of entries) {
      // A chart made again under the same id: only its current element counts.
      if (document.getElementById(target.id) !== target) {
        observer.unobserve(target);
        continue;
      }
      if (!isIntersecting) offScreen.add(target.id);
      else if (offScreen.delete(target.id) && pending.has(target.id)) shown = true;
    }
    if (shown) schedule();
  }, { rootMargin: '100px' });
  watched.add(gd);
  observer.observe(gd);
}

function draw() {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  const done = waiting;
  waiting = [];
  try {
    for (const [id, traces] of [...pending]) {
      const gd = document.getElementById(id);
      if (!gd || !Array.isArray(gd.data) || !window.Plotly) {
        pending.delete(id);
        continue;
      }
      watch(gd);
      if (offScreen.has(id)) continue;
      pending.delete(id);
      const take = [];
      for (const [t, q] of traces) {
        const held = gd.data[t]?.x?.length ?? -1;
        const skip = held - q.from;
        if (skip >= 0 && skip < q.x.length) take.push([t, q.x.slice(skip), q.y.slice(skip)]);
      }
      if (take.length === 0) continue;
      window.Plotly.extendTraces(gd, { x: take.map(([, x]) => x), y: take.map(([, , y]) => y) }, take.map(([t]) => t));
    }
  } finally {
    done.forEach(resolve => resolve());
  }
}

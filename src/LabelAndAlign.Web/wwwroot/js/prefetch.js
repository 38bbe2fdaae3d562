// Starts what a page of charts needs with the page's HTML, about half a second before the Blazor
// circuit is up and charts.js mounts the board: plotly's compilation (it overlaps the server's
// downsampling instead of following it) and a finished run's history requests (charts.js takes
// the responses from here). A live board's history is left alone: it must be read after the hub
// subscription, or a point logged in between would be missing from the chart.
const pending = new Map();

function json(url) {
  return fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : [])).catch(() => []);
}

for (const board of document.querySelectorAll('.metric-board[data-live=false][data-runs]')) {
  const maxPoints = board.dataset.maxPoints;
  let known = {};
  try { known = JSON.parse(board.dataset.metricNames || '{}'); } catch { }
  for (const id of board.dataset.runs.split(',').filter(Boolean)) {
    const namesUrl = `/api/runs/${id}/metrics`;
    const request = (list) => {
      for (const name of list) {
        const url = `/api/runs/${id}/metrics?name=${encodeURIComponent(name)}&maxPoints=${maxPoints}`;
        pending.set(url, json(url));
      }
    };
    // The board lists the names in the HTML; without them, ask first.
    const names = Array.isArray(known[id]) ? Promise.resolve(known[id]) : json(namesUrl);
    pending.set(namesUrl, names);
    if (Array.isArray(known[id])) request(known[id]);
    else names.then(request);
  }
}

// After the requests are out (a static import would hold them until its file arrived): plotly, and
// charts.js itself, which the board's mount then finds already loaded.
if (document.querySelector('.metric-board')) {
  import('./plotly-loader.js').then((m) => m.ensurePlotly()).catch(() => { }); // charts.js reports a failure
  import('/js/charts.js').catch(() => { });
}

window.lnaPrefetch = {
  /** The early response for this URL (once), or undefined. */
  take(url) {
    const p = pending.get(url);
    pending.delete(url);
    return p;
  },
};

// Metric charts for the run and compare pages: a thin layer over plotly.js.
// History comes from GET /api/runs/{id}/metrics (downsampled on the server, min/max/last per
// bucket, refetched on zoom); live points are pushed over the /hubs/runs SignalR hub
// (Subscribe(runId) → Points(runId, [{name, step, value, time}])), never polled.
// Live drawing is paced: a plotly redraw of one chart costs ~10 ms whatever it changes (it
// recomputes and redraws the whole chart), so redrawing every chart on every message kept the
// page's main thread busy all the time and the points queued behind it. Instead each pass redraws
// only the charts that changed and are on screen (off-screen ones every 2 s, or when scrolled to), and
// the next pass waits half as long as the last one took, leaving the main thread a third of its time.
// Series arrays grow in place (x, smoothed line included), plotly is told through datarevision,
// and a chart past MaxLivePoints is refetched downsampled from the server.
// Loaded as an ES module through IJSRuntime; it adds plotly and the SignalR client as ordinary
// same-origin <script> elements, and plotly's CSS as a stylesheet, so the strict CSP holds.

import { loadScript, ensurePlotly } from './plotly-loader.js';

const boards = new WeakMap();

async function ensureSignalR() {
  if (!window.signalR) await loadScript('/lib/signalr/signalr.min.js');
  return window.signalR;
}

/** Debiased exponential moving average (as TensorBoard/W&B): early points are not pulled to 0. */
export function smooth(values, weight) {
  const out = [];
  smoothInto(out, values, weight, { last: 0, n: 0 });
  return out;
}

/** Extends out (the smoothed values[0, out.length)) to values.length, carrying the EMA state. */
function smoothInto(out, values, weight, state) {
  for (let i = out.length; i < values.length; i++) {
    const v = values[i];
    if (!(weight > 0) || !Number.isFinite(v)) { out.push(v); continue; }
    state.last = state.last * weight + (1 - weight) * v;
    state.n++;
    out.push(state.last / (1 - Math.pow(weight, state.n)));
  }
}

const palette = ['#4f46e5', '#e8590c', '#0ca678', '#d6336c', '#1c7ed6', '#f59f00', '#7048e8', '#2f9e44'];

// A live chart holding more raw points than this is refetched downsampled (maxPoints) from the
// server: plotly's redraw cost grows with the points, and a screen has ~1,000 pixels across.
const MaxLivePoints = 4000;
// A chart off screen is still redrawn this often (so a full-page screenshot or print is not stale by much).
const OffscreenEvery = 2000;
// Pass pacing: the next pass waits DutyGap × the last pass's duration (0.5 → charts take at most
// two thirds of the main thread, so pushed points are still read as they come).
const DutyGap = 0.5;

function cssVar(style, name, fallback) {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

function groupOf(name) {
  const i = name.indexOf('/');
  return i > 0 ? name.slice(0, i) : 'train';
}

function order(a, b) {
  if (a === b) return 0;
  if (a === 'loss' || a === 'train') return -1;
  if (b === 'loss' || b === 'train') return 1;
  return a < b ? -1 : 1;
}

function seriesOf(points) {
  return { steps: points.map((p) => p.step), values: points.map((p) => p.value), times: points.map((p) => p.time), derived: null };
}

// Latency figures for latency(): trainer log time → received / drawn, per chart and per step on every chart.
const stats = (window.__lnaLatency ||= newStats());

function newStats() {
  return { received: [], charts: new Map(), allCharts: [], steps: new Map(), incomplete: 0, redraws: [], passes: 0 };
}

function keep(list, value) {
  list.push(value);
  if (list.length > 20000) list.splice(0, list.length - 20000);
}

class Board {
  constructor(root, options) {
    this.root = root;
    this.plotly = null;                   // plotly.js loading, started once the history requests are out
    this.Plotly = null;                   // plotly.js, once loaded
    this.runs = options.runs;             // [{id, name}]
    this.live = !!options.live;
    this.maxPoints = options.maxPoints || 1500;
    this.samplesLink = !!options.samplesLink;
    this.grid = root.querySelector('[data-role=grid]');
    this.metrics = new Map();             // name → {group, card, plot, series: Map runId → {steps, values, times, derived}, zoom, visible, pending}
    this.dirty = new Set();
    this.frame = 0;
    this.timer = 0;
    this.offscreenTimer = 0;
    this.nextPass = 0;                    // performance.now() before which no pass starts (pacing)
    this.smoothing = 0.6;
    this.xmode = 'step';
    this.logy = false;
    this.buffer = null;                   // live points that arrived while history loads
    this.disposed = false;
    this.visibility = new IntersectionObserver((entries) => this.onVisibility(entries), { rootMargin: '150px 0px' });
    root.dataset.maxPoints = String(this.maxPoints);
    this.bindToolbar();
  }

  bindToolbar() {
    const q = (r) => this.root.querySelector(`[data-role=${r}]`);
    const slider = q('smoothing'), shown = q('smoothing-value'), xaxis = q('xaxis'), logy = q('logy');
    if (slider) {
      this.smoothing = Number(slider.value);
      const update = () => { this.smoothing = Number(slider.value); if (shown) shown.textContent = this.smoothing.toFixed(2); this.redrawAll(); };
      slider.addEventListener('input', update);
      if (shown) shown.textContent = this.smoothing.toFixed(2);
    }
    if (xaxis) { this.xmode = xaxis.value; xaxis.addEventListener('change', () => { this.xmode = xaxis.value; this.redrawAll(); }); }
    if (logy) { this.logy = logy.checked; logy.addEventListener('change', () => { this.logy = logy.checked; this.redrawAll(); }); }
  }

  async start() {
    if (this.live) {
      this.buffer = [];
      await this.connect();
    }
    const started = performance.now();
    await Promise.all(this.runs.map((r) => this.loadRun(r.id)));
    this.root.dataset.loadMs = String(Math.round(performance.now() - started));
    if (this.buffer) {
      const pending = this.buffer;
      this.buffer = null;
      for (const [runId, points] of pending) this.onPoints(runId, points);
    }
    this.updateEmpty();
    this.Plotly = await this.loadPlotly();
    if (this.disposed) return;
    this.flush();
    await new Promise((r) => requestAnimationFrame(() => r()));
    this.root.dataset.drawMs = String(Math.round(performance.now() - started));
    this.root.dataset.ready = 'true';
  }

  async connect() {
    const signalR = await ensureSignalR();
    const conn = new signalR.HubConnectionBuilder().withUrl('/hubs/runs').withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.Warning).build();
    conn.on('Points', (runId, points) => {
      if (this.buffer) this.buffer.push([runId, points]);
      else this.onPoints(runId, points);
    });
    // Handlers must return nothing: a returned value is taken as a client result the server did not ask for.
    conn.on('Progress', (p) => { this.root.dispatchEvent(new CustomEvent('lna-progress', { detail: p })); });
    conn.onreconnected(async () => {
      for (const r of this.runs) await conn.invoke('Subscribe', r.id);
      for (const r of this.runs) await this.loadRun(r.id); // fill the gap while disconnected
      this.redrawAll();
    });
    await conn.start();
    for (const r of this.runs) await conn.invoke('Subscribe', r.id);
    this.conn = conn;
  }

  /**
   * Compiling plotly (4.8 MB) holds the main thread for a second on a busy machine: started once the
   * history requests are out, it overlaps the server's downsampling instead of delaying the requests.
   */
  loadPlotly() {
    return (this.plotly ||= ensurePlotly());
  }

  async loadRun(runId) {
    const names = await this.fetchJson(`/api/runs/${runId}/metrics`);
    const loads = names.map(async (name) => {
      const points = await this.fetchPoints(runId, name);
      this.metric(name).series.set(runId, seriesOf(points));
      this.dirty.add(name);
      this.schedule(); // each chart draws as its history arrives, not when the slowest one has
    });
    // Reported where start() awaits it; each chart draws once plotly and its own history are both here.
    this.loadPlotly().then((Plotly) => { if (!this.disposed) { this.Plotly = Plotly; this.schedule(); } }, () => { });
    await Promise.all(loads);
  }

  async fetchPoints(runId, name, from, to) {
    let url = `/api/runs/${runId}/metrics?name=${encodeURIComponent(name)}&maxPoints=${this.maxPoints}`;
    if (from !== undefined) url += `&fromStep=${Math.floor(from)}&toStep=${Math.ceil(to)}`;
    return this.fetchJson(url);
  }

  /** A finished run's first requests were started with the page (prefetch.js); anything else is fetched now. */
  async fetchJson(url) {
    const early = this.live ? undefined : window.lnaPrefetch?.take(url);
    if (early) return early;
    const response = await fetch(url, { credentials: 'same-origin' });
    return response.ok ? response.json() : [];
  }

  onPoints(runId, points) {
    const now = Date.now() / 1000;
    for (const p of points) {
      const m = this.metric(p.name);
      let s = m.series.get(runId);
      if (!s) { s = seriesOf([]); m.series.set(runId, s); }
      // A resumed run logs again from its checkpoint's step: drop what it replaces.
      let n = s.steps.length;
      while (n > 0 && s.steps[n - 1] >= p.step) n--;
      if (n < s.steps.length) { s.steps.length = n; s.values.length = n; s.times.length = n; s.derived = null; }
      s.steps.push(p.step); s.values.push(p.value); s.times.push(p.time);
      if (s.steps.length > MaxLivePoints && !m.zoom) this.compact(p.name, runId);
      keep(stats.received, Math.round((now - p.time) * 1000));
      if (m.zoom) continue; // a zoomed chart shows the fetched range; live points show when it zooms out
      m.pending.push(p.time);
      const key = `${runId}:${p.step}`;
      let step = stats.steps.get(key);
      if (!step) {
        step = { time: p.time, left: new Set() };
        stats.steps.set(key, step);
        // A step some chart never drew (off screen) is counted, not kept forever.
        if (stats.steps.size > 5000) { stats.steps.delete(stats.steps.keys().next().value); stats.incomplete++; }
      }
      if (p.time < step.time) step.time = p.time;
      step.left.add(m);
      m.pendingSteps.add(key);
      this.dirty.add(p.name);
    }
    this.updateEmpty();
    this.schedule();
  }

  /** Replaces a long live series by the server's downsampling of it (points logged since are kept). */
  async compact(name, runId) {
    const m = this.metrics.get(name);
    if (m.compacting) return;
    m.compacting = true;
    try {
      const points = await this.fetchPoints(runId, name);
      const s = m.series.get(runId);
      if (!points.length || !s) return;
      const last = points[points.length - 1].step;
      let i = s.steps.length;
      while (i > 0 && s.steps[i - 1] > last) i--;
      const fresh = seriesOf(points);
      fresh.steps.push(...s.steps.slice(i)); fresh.values.push(...s.values.slice(i)); fresh.times.push(...s.times.slice(i));
      m.series.set(runId, fresh);
      this.dirty.add(name);
      this.schedule();
    } finally {
      m.compacting = false;
    }
  }

  metric(name) {
    let m = this.metrics.get(name);
    if (m) return m;
    const group = groupOf(name);
    let section = this.grid.querySelector(`section[data-group="${CSS.escape(group)}"]`);
    if (!section) {
      section = document.createElement('section');
      section.className = 'chart-group';
      section.dataset.group = group;
      const h = document.createElement('h2');
      h.className = 'chart-group-title';
      h.textContent = group;
      const cards = document.createElement('div');
      cards.className = 'chart-grid';
      section.append(h, cards);
      const after = [...this.grid.querySelectorAll('section.chart-group')].find((s) => order(group, s.dataset.group) < 0);
      this.grid.insertBefore(section, after || null);
    }
    const cards = section.querySelector('.chart-grid');
    const card = document.createElement('div');
    card.className = 'chart-card';
    card.dataset.metric = name;
    const title = document.createElement('div');
    title.className = 'chart-title';
    title.textContent = name;
    const plot = document.createElement('div');
    plot.className = 'chart-plot';
    card.append(title, plot);
    const after = [...cards.querySelectorAll('.chart-card')].find((c) => order(name, c.dataset.metric) < 0);
    cards.insertBefore(card, after || null);
    // visible stays undefined (drawn) until the observer first reports.
    m = { name, group, card, plot, series: new Map(), zoom: null, drawn: false, visible: undefined, pending: [], pendingSteps: new Set(), rev: 0 };
    this.metrics.set(name, m);
    this.visibility.observe(card);
    return m;
  }

  onVisibility(entries) {
    let woke = false;
    for (const e of entries) {
      const m = this.metrics.get(e.target.dataset.metric);
      if (!m) continue;
      m.visible = e.isIntersecting;
      if (m.visible && this.dirty.has(m.name)) woke = true;
    }
    if (woke) this.schedule();
  }

  updateEmpty() {
    const empty = this.root.querySelector('[data-role=empty]');
    if (empty) empty.hidden = this.metrics.size > 0;
  }

  schedule() {
    if (this.frame || this.timer || this.disposed || !this.Plotly) return;
    const wait = this.nextPass - performance.now();
    if (wait > 1) this.timer = setTimeout(() => { this.timer = 0; this.schedule(); }, wait);
    else this.frame = requestAnimationFrame(() => { this.frame = 0; this.flush(); });
  }

  redrawAll() {
    for (const name of this.metrics.keys()) this.dirty.add(name);
    this.schedule();
  }

  /**
   * One pass: redraws every changed chart on screen, loss first, then the longest-waiting; a changed
   * chart off screen only if it was never drawn or not for OffscreenEvery.
   */
  flush() {
    const now = performance.now();
    const due = [], later = [];
    for (const name of this.dirty) {
      const m = this.metrics.get(name);
      if (!m) continue;
      if (m.visible !== false || !m.drawn || now - m.drawnAt >= OffscreenEvery) due.push(m);
      else later.push(m);
    }
    if (later.length && !this.offscreenTimer) {
      const wait = Math.max(0, OffscreenEvery - Math.min(...later.map((m) => now - m.drawnAt)));
      this.offscreenTimer = setTimeout(() => { this.offscreenTimer = 0; this.schedule(); }, wait);
    }
    if (!due.length) return;
    const waiting = (m) => m.pending[0] ?? Number.MAX_VALUE;
    due.sort((a, b) => (a.name === 'loss' ? -1 : b.name === 'loss' ? 1 : waiting(a) - waiting(b)));
    const started = performance.now();
    const style = getComputedStyle(document.documentElement);
    const theme = {
      text: cssVar(style, '--text', '#161a26'), muted: cssVar(style, '--muted', '#5d6478'), border: cssVar(style, '--border', '#e2e5ee'),
      font: getComputedStyle(document.body).fontFamily,
    };
    for (const m of due) {
      this.dirty.delete(m.name);
      const t0 = performance.now();
      this.draw(m, theme);
      m.drawnAt = performance.now();
      keep(stats.redraws, m.drawnAt - t0);
      this.recordDrawn(m);
    }
    stats.passes++;
    const took = performance.now() - started;
    if (this.live) this.nextPass = performance.now() + took * DutyGap;
  }

  recordDrawn(m) {
    const done = Date.now() / 1000;
    let list = stats.charts.get(m.name);
    if (!list) { list = []; stats.charts.set(m.name, list); }
    for (const t of m.pending) keep(list, Math.round((done - t) * 1000));
    m.pending = [];
    for (const key of m.pendingSteps) {
      const step = stats.steps.get(key);
      if (!step) continue;
      step.left.delete(m);
      if (step.left.size === 0) {
        keep(stats.allCharts, Math.round((done - step.time) * 1000));
        stats.steps.delete(key);
      }
    }
    m.pendingSteps.clear();
  }

  startTime(runId) {
    let t0 = Infinity;
    for (const m of this.metrics.values()) {
      const s = m.series.get(runId);
      if (s && s.times.length && s.times[0] < t0) t0 = s.times[0];
    }
    return Number.isFinite(t0) ? t0 : 0;
  }

  tokensAt(runId, step) {
    const s = this.metrics.get('num_tokens')?.series.get(runId);
    if (!s || !s.steps.length) return step;
    let lo = 0, hi = s.steps.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (s.steps[mid] <= step) lo = mid; else hi = mid - 1; }
    return s.values[lo];
  }

  /**
   * The x values and smoothed line of a series, extended in place to its length: a live point costs
   * O(1) here, not a recomputation over the whole series. Rebuilt when the mode or smoothing changes.
   */
  derive(runId, s) {
    let d = s.derived;
    const n = s.steps.length;
    if (!d || d.xmode !== this.xmode || d.weight !== this.smoothing || d.x.length > n) {
      d = s.derived = { xmode: this.xmode, weight: this.smoothing, x: this.xmode === 'step' ? s.steps : [], smoothed: [], ema: { last: 0, n: 0 } };
      if (this.xmode === 'time') d.t0 = this.startTime(runId);
    }
    if (this.xmode === 'time') for (let i = d.x.length; i < n; i++) d.x.push(s.times[i] - d.t0);
    // num_tokens of a new step may arrive after the step's other points: map every step again.
    else if (this.xmode === 'tokens') { d.x.length = 0; for (let i = 0; i < n; i++) d.x.push(this.tokensAt(runId, s.steps[i])); }
    if (this.smoothing > 0) smoothInto(d.smoothed, s.values, this.smoothing, d.ema);
    return d;
  }

  /**
   * A range around the value of a metric that does not move (a fixed KL coefficient, a constant
   * learning rate), or null: plotly's autorange zooms such a series to a sliver of float noise and
   * drew it as a steep line without tick labels.
   */
  flatRange(m) {
    let lo = Infinity, hi = -Infinity;
    for (const run of this.runs) {
      const s = (m.zoom && m.zoom.get(run.id)) || m.series.get(run.id);
      if (!s) continue;
      for (const v of s.values) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
    const mid = (lo + hi) / 2;
    if (hi - lo > 1e-6 * Math.max(Math.abs(mid), 1e-12)) return null;
    const pad = mid === 0 ? 1 : Math.abs(mid) * 0.5;
    return [mid - pad, mid + pad];
  }

  draw(m, theme) {
    const name = m.name;
    const traces = [];
    this.runs.forEach((run, k) => {
      const s = (m.zoom && m.zoom.get(run.id)) || m.series.get(run.id);
      if (!s || !s.steps.length) return;
      const d = this.derive(run.id, s);
      const color = palette[k % palette.length];
      const label = this.runs.length > 1 ? run.name : name;
      const smoothed = this.smoothing > 0;
      traces.push({
        x: d.x, y: s.values, type: 'scatter', mode: 'lines', name: smoothed ? `${label} (raw)` : label, meta: run.id,
        customdata: s.steps, line: { color, width: 1 }, opacity: smoothed ? 0.25 : 1, showlegend: false,
        hovertemplate: smoothed ? `${label} raw %{y:.4g}<extra></extra>` : `${label} %{y:.4g} · step %{customdata}<extra></extra>`,
      });
      if (smoothed) {
        traces.push({
          x: d.x, y: d.smoothed, type: 'scatter', mode: 'lines', name: label, meta: run.id, customdata: s.steps,
          line: { color, width: 2 }, showlegend: this.runs.length > 1,
          hovertemplate: `${label} %{y:.4g} · step %{customdata}<extra></extra>`,
        });
      }
    });
    const xtitle = this.xmode === 'time' ? 'wall time (s)' : this.xmode === 'tokens' ? 'tokens' : 'step';
    const { text, muted, border } = theme;
    const flat = this.logy ? null : this.flatRange(m);
    // The arrays grow in place: datarevision is what tells plotly they changed. Fixed margins (room
    // for labels like -1.5e+6) and no tick-label overflow check: automargin measures every tick
    // label's box, which forced a page layout and cost a fifth of a live redraw.
    const layout = {
      datarevision: ++m.rev,
      margin: { l: 58, r: 14, t: 6, b: 40 }, height: 230, autosize: true,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
      font: { family: theme.font, size: 11, color: muted },
      xaxis: { title: { text: xtitle, font: { size: 11 } }, gridcolor: border, zerolinecolor: border, linecolor: border, automargin: false,
        ticklabeloverflow: 'allow', ...(m.zoom ? { range: m.zoomRange } : {}) },
      yaxis: { type: this.logy ? 'log' : 'linear', gridcolor: border, zerolinecolor: border, linecolor: border, automargin: false, exponentformat: 'e',
        ticklabeloverflow: 'allow', ...(flat ? { range: flat, autorange: false } : { autorange: true }) },
      hovermode: 'x unified', hoverlabel: { font: { color: text } },
      legend: { orientation: 'h', y: -0.28, font: { size: 11, color: text } },
      showlegend: this.runs.length > 1, uirevision: `${this.xmode}|${this.logy}`,
    };
    // The config goes with the first draw only: passing it again makes plotly copy and compare its whole context.
    const config = m.drawn ? undefined : { displaylogo: false, responsive: true, displayModeBar: 'hover',
      modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage', 'zoomIn2d', 'zoomOut2d'] };
    this.Plotly.react(m.plot, traces, layout, config);
    if (!m.drawn) {
      m.drawn = true;
      m.plot.on('plotly_relayout', (ev) => this.onZoom(name, ev));
      if (this.samplesLink) {
        m.plot.on('plotly_click', (ev) => {
          const p = ev.points && ev.points[0];
          if (p && p.customdata !== undefined) window.location.assign(`/samples?run=${p.data.meta}&step=${p.customdata}`);
        });
      }
      // Milliseconds from the document's navigation start to this chart's first frame.
      requestAnimationFrame(() => { m.card.dataset.drawnAt = String(Math.round(performance.now())); });
    }
    // Raw points drawn (first run): what the E2E tests watch grow.
    m.card.dataset.points = String(traces[0]?.x.length ?? 0);
    if (m.zoom) m.card.dataset.zoom = m.zoomRange.map((v) => Math.round(v)).join('-');
    else delete m.card.dataset.zoom;
  }

  async onZoom(name, ev) {
    const m = this.metrics.get(name);
    if (!m) return;
    if (ev['xaxis.autorange'] || ev.autosize) {
      if (m.zoom) { m.zoom = null; this.dirty.add(name); this.schedule(); }
      return;
    }
    // A drag sends xaxis.range[0] and [1]; Plotly.relayout({'xaxis.range': [a, b]}) sends the pair.
    const range = ev['xaxis.range'];
    const from = range ? range[0] : ev['xaxis.range[0]'], to = range ? range[1] : ev['xaxis.range[1]'];
    if (from === undefined || this.xmode !== 'step') return;
    if (m.zoom && m.zoomRange[0] === from && m.zoomRange[1] === to) return;
    // Recompute the downsampling for the visible steps, so zooming reveals the detail.
    const zoom = new Map();
    await Promise.all(this.runs.map(async (r) => {
      zoom.set(r.id, seriesOf(await this.fetchPoints(r.id, name, Math.max(0, from), to)));
    }));
    m.zoom = zoom;
    m.zoomRange = [from, to];
    this.dirty.add(name);
    this.schedule();
  }

  dispose() {
    this.disposed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    if (this.offscreenTimer) clearTimeout(this.offscreenTimer);
    this.visibility.disconnect();
    if (this.conn) this.conn.stop();
    for (const m of this.metrics.values()) {
      if (this.Plotly) this.Plotly.purge(m.plot);
      for (const key of m.pendingSteps) stats.steps.delete(key);
    }
  }
}

/**
 * Charts every metric of options.runs inside root (which holds [data-role=grid] and optional
 * toolbar controls [data-role=smoothing|smoothing-value|xaxis|logy|empty]); with options.live,
 * new points stream in over the hub. dotNet (optional) receives OnProgress(progress).
 */
export async function mount(root, options, dotNet) {
  dispose(root);
  const board = new Board(root, options);
  boards.set(root, board);
  if (dotNet) root.addEventListener('lna-progress', (e) => dotNet.invokeMethodAsync('OnProgress', e.detail).catch(() => { }));
  await board.start();
}

export function dispose(root) {
  const board = root && boards.get(root);
  if (board) { board.dispose(); boards.delete(root); }
}

/**
 * Latencies in ms from the trainer logging a point (its time) to: the browser receiving it
 * (every point); each chart drawing it (per chart, every point it drew); the point's step being
 * drawn on every chart that logged it (allCharts, per step). Steps some chart has not drawn yet
 * (off screen, or still waiting) are left out and counted in pending. Also the cost of one chart
 * redraw and the number of passes, and how many charts are on screen.
 */
export function latency() {
  const summary = (values) => {
    const list = (values || []).slice().sort((a, b) => a - b);
    const at = (q) => (list.length ? Math.round(list[Math.min(list.length - 1, Math.floor(list.length * q))]) : null);
    return { count: list.length, median: at(0.5), p90: at(0.9) };
  };
  const charts = {};
  for (const [name, list] of stats.charts) charts[name] = summary(list);
  const cards = [...document.querySelectorAll('.metric-board .chart-card')];
  const onScreen = cards.filter((c) => { const r = c.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }).length;
  return {
    received: summary(stats.received), allCharts: summary(stats.allCharts), charts,
    pending: stats.steps.size + stats.incomplete, redrawMs: summary(stats.redraws), passes: stats.passes,
    chartsOnScreen: onScreen, chartsTotal: cards.length,
  };
}

/** Forgets the latencies gathered so far (to measure a window). */
export function resetLatency() {
  const steps = stats.steps;
  Object.assign(stats, newStats());
  stats.steps = steps; // steps in flight complete into the new window
}

// Metric charts for the run and compare pages: a thin layer over plotly.js.
// History comes from GET /api/runs/{id}/metrics (downsampled on the server, min/max/last per
// bucket, refetched on zoom); live points are pushed over the /hubs/runs SignalR hub
// (Subscribe(runId) → Points(runId, [{name, step, value, time}])), never polled.
// Loaded as an ES module through IJSRuntime; it adds plotly and the SignalR client as ordinary
// same-origin <script> elements, and plotly's CSS as a stylesheet, so the strict CSP holds.

const boards = new WeakMap();
const scripts = new Map();

function loadScript(src) {
  if (!scripts.has(src)) {
    scripts.set(src, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(`Could not load ${src}`));
      document.head.appendChild(s);
    }));
  }
  return scripts.get(src);
}

async function ensurePlotly() {
  // plotly skips injecting its <style> when this element exists with class no-inline-styles.
  if (!document.getElementById('plotly.js-style-global')) {
    const link = document.createElement('link');
    link.id = 'plotly.js-style-global';
    link.className = 'no-inline-styles';
    link.rel = 'stylesheet';
    link.href = '/css/plotly.css';
    document.head.appendChild(link);
  }
  // The bundled maplibre (map traces, unused here) injects a <style> at load unless an element
  // with this id exists; a placeholder keeps the CSP quiet.
  const maplibreStyle = 'ce8d464691048653ffe3a57c6c18ab566e8366f186677868cf724621a857b4fe';
  if (!document.getElementById(maplibreStyle)) {
    const placeholder = document.createElement('meta');
    placeholder.id = maplibreStyle;
    document.head.appendChild(placeholder);
  }
  if (!window.Plotly) await loadScript('/lib/plotly/plotly.min.js');
  return window.Plotly;
}

async function ensureSignalR() {
  if (!window.signalR) await loadScript('/lib/signalr/signalr.min.js');
  return window.signalR;
}

/** Debiased exponential moving average (as TensorBoard/W&B): early points are not pulled to 0. */
export function smooth(values, weight) {
  if (!(weight > 0)) return values.slice();
  const out = new Array(values.length);
  let last = 0, n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) { out[i] = v; continue; }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - Math.pow(weight, n));
  }
  return out;
}

const palette = ['#4f46e5', '#e8590c', '#0ca678', '#d6336c', '#1c7ed6', '#f59f00', '#7048e8', '#2f9e44'];

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
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

class Board {
  constructor(root, options, Plotly) {
    this.root = root;
    this.Plotly = Plotly;
    this.runs = options.runs;             // [{id, name}]
    this.live = !!options.live;
    this.maxPoints = options.maxPoints || 1500;
    this.samplesLink = !!options.samplesLink;
    this.grid = root.querySelector('[data-role=grid]');
    this.metrics = new Map();             // name → {group, card, plot, series: Map runId → {steps, values, times}, zoom}
    this.dirty = new Set();
    this.frame = 0;
    this.smoothing = 0.6;
    this.xmode = 'step';
    this.logy = false;
    this.buffer = null;                   // live points that arrived while history loads
    this.pendingLatency = [];
    this.disposed = false;
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

  async loadRun(runId) {
    const names = await (await fetch(`/api/runs/${runId}/metrics`, { credentials: 'same-origin' })).json();
    await Promise.all(names.map(async (name) => {
      const points = await this.fetchPoints(runId, name);
      const m = this.metric(name);
      m.series.set(runId, { steps: points.map((p) => p.step), values: points.map((p) => p.value), times: points.map((p) => p.time) });
      this.dirty.add(name);
    }));
  }

  async fetchPoints(runId, name, from, to) {
    let url = `/api/runs/${runId}/metrics?name=${encodeURIComponent(name)}&maxPoints=${this.maxPoints}`;
    if (from !== undefined) url += `&fromStep=${Math.floor(from)}&toStep=${Math.ceil(to)}`;
    const response = await fetch(url, { credentials: 'same-origin' });
    return response.ok ? response.json() : [];
  }

  onPoints(runId, points) {
    const now = Date.now() / 1000;
    for (const p of points) {
      const m = this.metric(p.name);
      let s = m.series.get(runId);
      if (!s) { s = { steps: [], values: [], times: [] }; m.series.set(runId, s); }
      // A resumed run logs again from its checkpoint's step: drop what it replaces.
      let n = s.steps.length;
      while (n > 0 && s.steps[n - 1] >= p.step) n--;
      if (n < s.steps.length) { s.steps.length = n; s.values.length = n; s.times.length = n; }
      s.steps.push(p.step); s.values.push(p.value); s.times.push(p.time);
      this.dirty.add(p.name);
    }
    if (points.length) {
      const last = points[points.length - 1].time;
      this.pendingLatency.push({ time: last, arrived: now });
      const arrivals = (window.__lnaArrivals ||= []);
      arrivals.push(Math.round((now - last) * 1000));
      if (arrivals.length > 5000) arrivals.splice(0, arrivals.length - 5000);
    }
    this.updateEmpty();
    this.schedule();
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
    m = { group, card, plot, series: new Map(), zoom: null, drawn: false, count: 0 };
    this.metrics.set(name, m);
    return m;
  }

  updateEmpty() {
    const empty = this.root.querySelector('[data-role=empty]');
    if (empty) empty.hidden = this.metrics.size > 0;
  }

  schedule() {
    if (this.frame || this.disposed) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.flush(); });
  }

  redrawAll() {
    for (const name of this.metrics.keys()) this.dirty.add(name);
    this.schedule();
  }

  flush() {
    // loss first: it is the chart people watch, and the first to show a new step.
    const names = [...this.dirty].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
    this.dirty.clear();
    const record = (key) => {
      const done = Date.now() / 1000;
      const list = (window[key] ||= []);
      for (const l of this.pendingLatency) list.push(Math.round((done - l.time) * 1000));
      if (list.length > 5000) list.splice(0, list.length - 5000);
    };
    names.forEach((name, i) => {
      this.draw(name);
      if (i === 0 && this.pendingLatency.length) record('__lnaFirstChart');
    });
    if (this.pendingLatency.length) {
      record('__lnaLatencies');
      this.pendingLatency = [];
    }
  }

  xOf(runId, s, i) {
    if (this.xmode === 'time') return s.times[i] - this.startTime(runId);
    if (this.xmode === 'tokens') return this.tokensAt(runId, s.steps[i]);
    return s.steps[i];
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

  draw(name) {
    const m = this.metrics.get(name);
    if (!m) return;
    const text = cssVar('--text', '#161a26'), muted = cssVar('--muted', '#5d6478'), border = cssVar('--border', '#e2e5ee');
    const traces = [];
    this.runs.forEach((run, k) => {
      const s = (m.zoom && m.zoom.get(run.id)) || m.series.get(run.id);
      if (!s || !s.steps.length) return;
      const color = palette[k % palette.length];
      const x = new Array(s.steps.length);
      for (let i = 0; i < x.length; i++) x[i] = this.xOf(run.id, s, i);
      const label = this.runs.length > 1 ? run.name : name;
      const smoothed = this.smoothing > 0;
      traces.push({
        x, y: s.values, type: 'scatter', mode: 'lines', name: smoothed ? `${label} (raw)` : label, meta: run.id,
        customdata: s.steps, line: { color, width: 1 }, opacity: smoothed ? 0.25 : 1, showlegend: false,
        hovertemplate: smoothed ? `${label} raw %{y:.4g}<extra></extra>` : `${label} %{y:.4g} · step %{customdata}<extra></extra>`,
      });
      if (smoothed) {
        traces.push({
          x, y: smooth(s.values, this.smoothing), type: 'scatter', mode: 'lines', name: label, meta: run.id, customdata: s.steps,
          line: { color, width: 2 }, showlegend: this.runs.length > 1,
          hovertemplate: `${label} %{y:.4g} · step %{customdata}<extra></extra>`,
        });
      }
    });
    const xtitle = this.xmode === 'time' ? 'wall time (s)' : this.xmode === 'tokens' ? 'tokens' : 'step';
    const layout = {
      margin: { l: 48, r: 12, t: 6, b: 36 }, height: 230, autosize: true,
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
      font: { family: getComputedStyle(document.body).fontFamily, size: 11, color: muted },
      xaxis: { title: { text: xtitle, font: { size: 11 } }, gridcolor: border, zerolinecolor: border, linecolor: border, automargin: true,
        ...(m.zoom ? { range: m.zoomRange } : {}) },
      yaxis: { type: this.logy ? 'log' : 'linear', gridcolor: border, zerolinecolor: border, linecolor: border, automargin: true, exponentformat: 'e' },
      hovermode: 'x unified', hoverlabel: { font: { color: text } },
      legend: { orientation: 'h', y: -0.28, font: { size: 11, color: text } },
      showlegend: this.runs.length > 1, uirevision: `${this.xmode}|${this.logy}`,
    };
    const config = { displaylogo: false, responsive: true, displayModeBar: 'hover',
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
    }
    // Raw points drawn (first run): what the E2E tests watch grow.
    m.card.dataset.points = String(traces[0]?.x.length ?? 0);
  }

  async onZoom(name, ev) {
    const m = this.metrics.get(name);
    if (!m) return;
    if (ev['xaxis.autorange'] || ev.autosize) {
      if (m.zoom) { m.zoom = null; this.dirty.add(name); this.schedule(); }
      return;
    }
    const from = ev['xaxis.range[0]'], to = ev['xaxis.range[1]'];
    if (from === undefined || this.xmode !== 'step') return;
    // Recompute the downsampling for the visible steps, so zooming reveals the detail.
    const zoom = new Map();
    await Promise.all(this.runs.map(async (r) => {
      const points = await this.fetchPoints(r.id, name, Math.max(0, from), to);
      zoom.set(r.id, { steps: points.map((p) => p.step), values: points.map((p) => p.value), times: points.map((p) => p.time) });
    }));
    m.zoom = zoom;
    m.zoomRange = [from, to];
    this.dirty.add(name);
    this.schedule();
  }

  dispose() {
    this.disposed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.conn) this.conn.stop();
    for (const m of this.metrics.values()) this.Plotly.purge(m.plot);
  }
}

/**
 * Charts every metric of options.runs inside root (which holds [data-role=grid] and optional
 * toolbar controls [data-role=smoothing|smoothing-value|xaxis|logy|empty]); with options.live,
 * new points stream in over the hub. dotNet (optional) receives OnProgress(progress).
 */
export async function mount(root, options, dotNet) {
  dispose(root);
  const Plotly = await ensurePlotly();
  const board = new Board(root, options, Plotly);
  boards.set(root, board);
  if (dotNet) root.addEventListener('lna-progress', (e) => dotNet.invokeMethodAsync('OnProgress', e.detail).catch(() => { }));
  await board.start();
}

export function dispose(root) {
  const board = root && boards.get(root);
  if (board) { board.dispose(); boards.delete(root); }
}

/** Latencies from the trainer logging a step to the browser receiving it, drawing it on the first chart (loss) and on every chart, in ms. */
export function latency() {
  const stats = (values) => {
    const list = (values || []).slice().sort((a, b) => a - b);
    return { count: list.length, median: list.length ? list[Math.floor(list.length / 2)] : null, p90: list.length ? list[Math.floor(list.length * 0.9)] : null };
  };
  return { received: stats(window.__lnaArrivals), firstChartDrawn: stats(window.__lnaFirstChart), allChartsDrawn: stats(window.__lnaLatencies) };
}

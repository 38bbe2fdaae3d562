// Loads plotly.js once for the page, inside our CSP (no inline styles). Shared by prefetch.js,
// which starts it with the HTML, and charts.js, which draws with it. The basic bundle (scatter,
// bar, pie; 1.2 MB) is all the charts use: a quarter of the full bundle's size, and of the time
// the browser's main thread spends compiling it before the first chart can draw.
const scripts = new Map();

export function loadScript(src) {
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

export async function ensurePlotly() {
  // plotly skips injecting its <style> when this element exists with class no-inline-styles.
  if (!document.getElementById('plotly.js-style-global')) {
    const link = document.createElement('link');
    link.id = 'plotly.js-style-global';
    link.className = 'no-inline-styles';
    link.rel = 'stylesheet';
    link.href = '/css/plotly.css';
    document.head.appendChild(link);
  }
  if (!window.Plotly) await loadScript('/lib/plotly/plotly-basic.min.js');
  return window.Plotly;
}

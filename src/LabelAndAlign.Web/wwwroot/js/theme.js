// Theme: "system" (follows the OS), "light" or "dark"; remembered in localStorage.
// Loaded synchronously in <head> so the right colours are there before the first paint.
(function () {
  const key = "lna-theme";
  const order = ["system", "light", "dark"];
  const media = window.matchMedia("(prefers-color-scheme: dark)");

  function choice() {
    const stored = localStorage.getItem(key);
    return order.includes(stored) ? stored : "system";
  }

  function apply() {
    const c = choice();
    const dark = c === "dark" || (c === "system" && media.matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    document.documentElement.dataset.themeChoice = c;
  }

  apply();
  media.addEventListener("change", apply);
  // Enhanced navigation may replace <html> attributes; put ours back.
  document.addEventListener("DOMContentLoaded", () => {
    if (window.Blazor && window.Blazor.addEventListener) window.Blazor.addEventListener("enhancedload", apply);
  });
  new MutationObserver(() => {
    if (!document.documentElement.dataset.theme) apply();
  }).observe(document.documentElement, { attributes: true });

  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-theme-toggle]");
    if (!button) return;
    const next = order[(order.indexOf(choice()) + 1) % order.length];
    localStorage.setItem(key, next);
    apply();
  });
})();

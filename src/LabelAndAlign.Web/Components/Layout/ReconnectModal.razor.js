// What the page does while its connection to the server is down, without asking anyone:
// - a dropped connection: Blazor retries; the dialog says so;
// - a paused circuit (the server paused every page before a restart, see Hosting/CircuitPauses.cs):
//   resume it as soon as the server answers again, with the state the server handed us;
// - retries exhausted: keep trying every few seconds, sooner when the tab becomes visible;
// - a circuit the server no longer knows and no state to resume (a crash): reload the page, which
//   keeps what the address holds.
const modal = document.getElementById("components-reconnect-modal");
modal.addEventListener("components-reconnect-state-changed", onStateChanged);
modal.addEventListener("cancel", (e) => e.preventDefault()); // Escape cannot hide it while the page is frozen

let resuming = false;
let retrying = false;
// The circuit whose page was on screen when the server paused it (MainLayout's data-circuit), until a new one renders.
let pausedCircuit = null;
// Counts the states shown, so a wait that began before a newer one (paused again) does not close its dialog.
let shown = 0;

function show(cls) {
    shown++;
    modal.dataset.state = cls.replace("reconnect-", "");
    for (const el of modal.querySelectorAll(".reconnect-text")) el.hidden = !el.classList.contains(cls);
    if (!modal.open) modal.showModal();
}

function onStateChanged(event) {
    const state = event.detail.state;
    if (state === "show" || state === "retrying") show("reconnect-visible");
    else if (state === "hide") { if (pausedCircuit !== null) closeWhenRendered(); else close(); }
    else if (state === "paused") { pausedCircuit ??= circuit(); show("reconnect-paused"); resumeWhenBack(); }
    else if (state === "failed") { show("reconnect-failed"); retryUntilBack(); }
    else if (state === "rejected" || state === "resume-failed") { show("reconnect-rejected"); location.reload(); }
}

function close() {
    delete modal.dataset.state;
    if (modal.open) modal.close();
}

const circuit = () => document.querySelector("[data-circuit]")?.dataset.circuit ?? "";

// A resumed circuit is a new one: until its first render reaches the page, the page on screen is the paused one,
// whose controls no longer answer, and a click there would be lost. The dialog (which makes the page inert) stays
// until the new circuit's layout has rendered, or a few seconds at most.
async function closeWhenRendered() {
    const before = pausedCircuit, since = shown;
    const deadline = performance.now() + 15000;
    while (circuit() === before && performance.now() < deadline) await sleep(20);
    if (shown !== since) return; // paused (or dropped) again meanwhile: that state's own handling closes the dialog
    pausedCircuit = null;
    if (modal.dataset.state === "paused") close(); // not when the connection dropped again meanwhile
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function resumeWhenBack() {
    if (resuming) return;
    resuming = true;
    // false means "not now" (still pausing) or "the server has no state for us": a few in a row is the latter.
    let refusals = 0;
    for (let wait = 500; ; wait = Math.min(wait * 1.5, 3000)) {
        await sleep(wait);
        try {
            if (await Blazor.resumeCircuit()) break;
            if (++refusals >= 3) { location.reload(); return; }
        } catch {
            // The server is not up yet.
        }
    }
    resuming = false;
}

async function retryUntilBack() {
    if (retrying) return;
    retrying = true;
    for (let wait = 2000; ; wait = Math.min(wait * 1.5, 10000)) {
        await Promise.race([sleep(wait), visible()]);
        try {
            if (await Blazor.reconnect()) break;
            if (await Blazor.resumeCircuit()) break;
            location.reload();
            return;
        } catch {
            // Still down.
        }
    }
    retrying = false;
}

function visible() {
    return new Promise((resolve) => {
        const on = () => { if (document.visibilityState === "visible") { document.removeEventListener("visibilitychange", on); resolve(); } };
        document.addEventListener("visibilitychange", on);
    });
}

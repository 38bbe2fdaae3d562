// Keyboard shortcuts for the comparison page. The component passes a DotNetObjectReference;
// keys go to its [JSInvokable] OnKey. Nothing fires while the user types in a field, except
// Ctrl/Cmd+Enter (submit, leaving the field) and Escape (leave the field / close the guidelines).
// R moves into the rationale box here, without a round trip, so the next key typed lands in it.
const handled = new Set(["1", "2", "3", "4", "Enter", "s", "u", "g", "q", "w", "j", "k", "h", "l", "Escape"]);

// One listener for the page, sending to the page's current component: a page resumed after a
// server restart attaches its new component, and keys must never reach the old circuit's.
let component = null;
let listening = false;

export function attach(dotnet) {
  component = dotnet;
  if (!listening) {
    document.addEventListener("keydown", onKey);
    listening = true;
  }
  return {
    dispose: () => {
      if (component !== dotnet) return;
      component = null;
      document.removeEventListener("keydown", onKey);
      listening = false;
    },
  };
}

function onKey(e) {
  const dotnet = component;
  if (!dotnet) return;
  const target = e.target;
  const typing = target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  let key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (typing) {
    if (key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      target.blur();
      send(dotnet, "Enter");
    } else if (key === "Escape") {
      target.blur();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
  if (key === "r") {
    const box = document.querySelector(".lab-rationale textarea");
    if (box) {
      e.preventDefault();
      box.focus();
    }
    return;
  }
  if (!handled.has(key)) return;
  // Enter on a focused button is the button's own click; do not submit twice.
  if (key === "Enter" && target instanceof HTMLElement && ["BUTTON", "A"].includes(target.tagName) && !target.dataset.submit) return;
  e.preventDefault();
  send(dotnet, key);
}

// A key pressed while the page resumes after a server restart reaches the old circuit, which is
// gone: it is dropped (the resumed page attaches again within moments) rather than reported.
function send(dotnet, key) {
  dotnet.invokeMethodAsync("OnKey", key).catch(() => { });
}

// A new item arrived: both response panels back to the top, and focus out of the page's fields
// (the rationale box it was submitted from, a rating button), so the keys work on the new item.
export function showNewItem() {
  for (const el of document.querySelectorAll(".lab-scroll")) el.scrollTop = 0;
  window.scrollTo({ top: 0 });
  const active = document.activeElement;
  if (active instanceof HTMLElement && active.closest(".lab")) active.blur();
}

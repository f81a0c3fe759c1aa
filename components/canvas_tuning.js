// Companion of the digit canvas (components/canvas.py). streamlit-drawable-canvas 0.13 has no option for
// either of these, so this script adjusts the canvas's own shadow root (found by the canvas's widget key):
// 1. Its floating toolbar is an invisible box over the canvas's top-right strip (opacity 0, 1rem above
//    the canvas, 46 px tall): strokes started there hit the toolbar, or one of its hidden buttons, and
//    draw nothing. The toolbar gets its own row above the canvas instead, always visible, never over it.
// 2. Its drawing reaches Python 200 ms after mouse-up (a debounce meant for edits). A stroke is sent at
//    once instead, through the toolbar's own "send" button (hidden: it has nothing left to do).
const STYLE_ID = "cnnlab-canvas-tuning";
const STYLE = `
  .dc-root.dc-root { display: flex; flex-direction: column; }
  .dc-root > .dc-toolbar.dc-toolbar {
    position: static; order: -1; opacity: 1; top: auto; transition: none;
    justify-content: flex-end; padding: 0 0 0.25rem 0;
  }
  .dc-toolbar-card > .dc-icon-button:first-child { display: none; }
`;

function shadowRootOf(key) {
  const host = document.querySelector(`.st-key-${CSS.escape(key)} [data-testid="stBidiComponentIsolated"]`);
  const root = host && host.shadowRoot;
  return root && root.querySelector(".dc-root .dc-toolbar-card") ? root : null;
}

function sendNow(root) {
  const send = root.querySelector(".dc-toolbar-card > .dc-icon-button:first-child");
  if (send) send.click();
}

function tune(root) {
  if (!root.getElementById(STYLE_ID)) {
    const style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = STYLE;
    root.appendChild(style);
  }
  if (root.__cnnlabTuned) return;
  root.__cnnlabTuned = true;
  // Fabric listens for mousedown/touchstart on its upper canvas and for the matching up event on the
  // document. Listening at the window in the capture phase and sending in a later task means Fabric
  // has added the finished stroke (and scheduled its own, delayed send, which sendNow cancels).
  const start = (event) => {
    if (!event.composedPath().some((node) => node.classList && node.classList.contains("upper-canvas"))) return;
    const end = event.type === "touchstart" ? "touchend" : "mouseup";
    window.addEventListener(end, () => setTimeout(() => sendNow(root), 0), { capture: true, once: true });
  };
  root.addEventListener("mousedown", start, true);
  root.addEventListener("touchstart", start, { capture: true, passive: true });
}

export default function ({ data }) {
  let frames = 0;
  let stopped = false;
  const attempt = () => {
    if (stopped) return;
    const root = shadowRootOf(data.key);
    if (root) tune(root);
    else if (frames++ < 600) requestAnimationFrame(attempt); // the canvas mounts in the same render
  };
  attempt();
  return () => {
    stopped = true;
  };
}

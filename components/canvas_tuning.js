// Companion of the digit canvas (components/canvas.py). streamlit-drawable-canvas 0.13 has no option for
// either of these, so this script adjusts the canvas's own shadow root (found by the canvas's widget key):
// 1. Its floating toolbar is an invisible box over the canvas's top-right strip (opacity 0, 1rem above
//    the canvas, 46 px tall): strokes started there hit the toolbar, or one of its hidden buttons, and
//    draw nothing. The toolbar gets its own row above the canvas instead, always visible, never over it.
// 2. Its drawing reaches Python after a debounce meant for edits. A stroke is sent at mouse-up instead,
//    through the toolbar's own "send" button (hidden: it has nothing left to do).
// Both reach into the canvas's DOM (pinned in requirements.txt). When they no longer apply (no canvas
// within data.frames animation frames, or its toolbar is not built as expected) the script says so once
// per canvas: console.error, and the "failed" trigger, which canvas.py logs as an error.
const STYLE_ID = "cnnlab-canvas-tuning";
const STYLE = `
  .dc-root.dc-root { display: flex; flex-direction: column; }
  .dc-root > .dc-toolbar.dc-toolbar {
    position: static; order: -1; opacity: 1; top: auto; transition: none;
    justify-content: flex-end; padding: 0 0 0.25rem 0;
  }
  .dc-toolbar-card > .dc-icon-button:first-child { display: none; }
`;
const SEND_LABEL = "Update the app with this drawing"; // the canvas's own label for its send button
const reported = new Set(); // canvas keys already reported in this page (the trigger's rerun mounts us again)

function shadowRootOf(key) {
  const host = document.querySelector(`.st-key-${CSS.escape(key)} [data-testid="stBidiComponentIsolated"]`);
  const root = host && host.shadowRoot;
  return root && root.querySelector(".dc-root .dc-toolbar-card") ? root : null;
}

function sendButton(root) {
  const button = root.querySelector(".dc-toolbar-card > .dc-icon-button:first-child");
  return button && button.getAttribute("aria-label") === SEND_LABEL ? button : null;
}

function sendNow(root) {
  const send = sendButton(root);
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

// What keeps the tuning from working in a tuned root, or null.
function problemIn(root) {
  const toolbar = root.querySelector(".dc-root > .dc-toolbar");
  if (!toolbar) return "the canvas has no .dc-root > .dc-toolbar";
  if (getComputedStyle(toolbar).position !== "static") return "the canvas's toolbar still floats over it";
  if (!sendButton(root)) return `the toolbar's first button is not "${SEND_LABEL}"`;
  return null;
}

function report(setTriggerValue, key, problem) {
  if (reported.has(key)) return;
  reported.add(key);
  console.error(`CNN Lab canvas tuning (${key}): ${problem}`);
  setTriggerValue("failed", problem);
}

export default function ({ data, setTriggerValue }) {
  let frames = 0;
  let stopped = false;
  const attempt = () => {
    if (stopped) return;
    const root = shadowRootOf(data.key);
    if (root) {
      tune(root);
      const problem = problemIn(root);
      if (problem) report(setTriggerValue, data.key, problem);
    } else if (frames++ < data.frames) {
      requestAnimationFrame(attempt); // the canvas mounts in the same render
    } else {
      report(setTriggerValue, data.key, `no drawing canvas within ${data.frames} frames`);
    }
  };
  attempt();
  return () => {
    stopped = true;
  };
}

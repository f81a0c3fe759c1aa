"""Conv2D / MaxPooling2D explorers: time of one control change vs a bare page, and no TensorFlow.

The bare pages are written to a temp file: a title, one slider and its value shown, no computation.

1. Real servers, real browser (the target): `streamlit run` serves the app's frame (language picker,
   navigation) around the bare pages and both explorers; headless Chromium opens each in its own tab
   and, round robin (so a change in the machine's load hits every page alike), moves a slider with
   the keyboard, timing inside the page from the key press to the first frame where the new value
   is on screen and the app is idle. Every page waits for a value the SERVER sends (an st.metric),
   never the slider's own label, which the browser updates before the rerun. Median of --repeats
   moves, printed as ratios to the bare one-slider page and to a bare page with the explorer's own
   controls and no computation. Target: each explorer's default view within 1.5x of the latter
   (exit status 1 when missed). The explorers run as an @st.fragment (a control change reruns only
   the explorer, not app.py and the navigation), so the "same controls" bare pages do too; the
   one-slider page is a plain page and shows what the whole round trip costs.
2. AppTest, script time only (information): the same control changes rerun in-process. AppTest
   recompiles the page script on every run and has no browser, so a long page against a 5-line
   page is a far harsher ratio than anything a user sees; the open-tab rows (feature maps,
   step-through, pooling a digit) draw figures on purpose.
3. This fresh process ran every page above in AppTest: TensorFlow must not have been imported
   (shapes, feature maps and pooling are numpy; TF loads only for "Verify with TensorFlow" or
   the trained model's kernels).

Run: .venv/bin/python benchmarks/bench_explorers.py [--repeats 20] [--skip-browser]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

BARE_PAGE = '''
import streamlit as st
st.title("Bare page")
value = st.slider("value", 1, 64, 2, key="bare_value")
st.metric("value", str(value))
'''
# Bare pages with the same kinds and number of controls as each explorer, in a fragment like the explorers,
# and no computation: the fair baselines for "what the explorer's computation and output add". Most of a
# rerun's ~100 ms in the browser is Streamlit's round trip itself (the one-slider page costs about the same).
BARE_CONV_CONTROLS = '''
import streamlit as st
P = dict(persist_state="session")
st.title("Bare page with the Conv2D explorer's controls")
st.caption("The same kinds and number of widgets, and no computation.")


@st.fragment  # like the explorer: a control change reruns only the fragment
def explorer():
    left, right = st.columns([1, 2.4])
    with left:
        a, b = st.columns(2)
        c, d = st.columns(2)
        a.number_input("Batch", 1, 256, 4, key="b_batch", **P)
        b.number_input("Channels", 1, 64, 3, key="b_ch", **P)
        c.number_input("Height", 1, 512, 28, key="b_h", **P)
        d.number_input("Width", 1, 512, 28, key="b_w", **P)
        value = st.slider("filters", 1, 64, 2, key="bare_value", **P)
        st.toggle("Square kernel", True, key="b_sq", **P)
        st.slider("kernel_size", 1, 11, 3, key="b_k", **P)
        st.slider("strides", 1, 5, 1, key="b_s", **P)
        st.segmented_control("padding", ["valid", "same"], default="valid", required=True, key="b_p", **P)
        st.slider("dilation_rate", 1, 5, 1, key="b_d", **P)
        st.selectbox("activation", ["none", "relu", "sigmoid", "tanh"], index=1, key="b_a", **P)
        st.divider()
        st.radio("Input image", ["mnist"], key="b_src", horizontal=True, **P)
        st.number_input("Test image", 0, 1999, 0, key="b_digit", **P)
        st.radio("Kernels", ["random", "classic", "model"], key="b_kern", **P)
        st.button("New random kernels", key="b_btn")
    with right:
        st.metric("Filters", str(value))


explorer()
'''
BARE_POOL_CONTROLS = '''
import pandas as pd
import streamlit as st
P = dict(persist_state="session")
st.title("Bare page with the MaxPooling2D explorer's controls")


@st.fragment  # like the explorer: a control change reruns only the fragment
def explorer():
    left, right = st.columns([1, 2.4])
    with left:
        a, b = st.columns(2)
        a.slider("pool height", 1, 6, 2, key="b_ph", **P)
        value = b.slider("pool width", 1, 6, 2, key="bare_value", **P)
        st.toggle("strides=None", True, key="b_def", **P)
        st.segmented_control("padding", ["valid", "same"], default="valid", required=True, key="b_p", **P)
        st.button("Use the chapter's settings", key="b_btn")
        c, d = st.columns(2)
        c.number_input("Rows", 1, 12, 3, key="b_rows", **P)
        d.number_input("Columns", 1, 12, 3, key="b_cols", **P)
    with right:
        st.data_editor(pd.DataFrame([["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]], columns=["1", "2", "3"]),
                       key="b_editor")
        st.metric("Pool width", str(value))


explorer()
'''
TARGET = 1.5
NOT_RUNNING = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def rerun_ms(script: Path, widget: str, key: str, values: list, repeats: int, state: dict | None = None) -> float:
    """Median ms of a rerun caused by setting widget `key` to alternating `values`."""
    at = AppTest.from_file(str(script), default_timeout=60)
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    for warm in values:  # warm caches (MNIST, fonts, imports) before timing
        getattr(at, widget)(key=key).set_value(warm).run()
    times = []
    for i in range(repeats):
        element = getattr(at, widget)(key=key).set_value(values[i % len(values)])
        t0 = time.perf_counter()
        element.run()
        times.append((time.perf_counter() - t0) * 1000)
        if at.exception:
            raise RuntimeError(f"{script.name}: {[e.value for e in at.exception]}")
    return statistics.median(times)


# The app's frame (language picker, ?lang= in the URL, navigation) around the bare page and the two
# explorers, so the browser comparison charges the explorers only for what they add.
SHELL_FRAME = f'''
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from cnnlab.i18n import LANGUAGES
from components import state_keys as keys

st.set_page_config(page_title="CNN Lab", layout="wide")
if keys.LANG not in st.session_state:
    st.session_state[keys.LANG] = st.query_params.get("lang", "en")
with st.sidebar:
    st.segmented_control("Language", LANGUAGES, key=keys.LANG, required=True)
st.query_params["lang"] = st.session_state[keys.LANG]
'''
SHELL_ENTRY = SHELL_FRAME + f'''
st.navigation([st.Page("bare_page.py", title="Bare", default=True),
               st.Page("bare_conv_controls.py", title="Bare conv controls", url_path="bare_conv"),
               st.Page("bare_pool_controls.py", title="Bare pooling controls", url_path="bare_pool"),
               st.Page({str(ROOT / "app_pages" / "conv.py")!r}, title="Conv2D", url_path="conv"),
               st.Page({str(ROOT / "app_pages" / "pooling.py")!r}, title="MaxPooling2D", url_path="pooling")]).run()
'''


# Timed inside the page, from the key press to the first animation frame where the new value is shown
# and the app is no longer running: no Playwright polling in the numbers. (bench_draw.py reuses this.)
SLIDER_WATCHER = """
window.__bench = {start: null, shown: null, done: null};
document.addEventListener('keydown', () => { window.__bench = {start: performance.now(), shown: null, done: null}; },
                          true);
window.__benchWatch = (selector, text) => {
  const tick = () => {
    const b = window.__bench;
    if (b.start !== null && b.done === null
        && [...document.querySelectorAll(selector)].some(e => e.textContent.includes(text))) {
      if (b.shown === null) b.shown = performance.now();
      if (!document.querySelector('[data-testid="stStatusWidget"]')) { b.done = performance.now(); return; }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};"""


def open_slider_page(context, url: str, slider_key: str, shown: str, texts: tuple[str, str], up: bool = True):
    """A tab on `url` (its context needs SLIDER_WATCHER as init script), ready for move_slider."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']")
    page.locator(shown).filter(has_text=texts[0]).first.wait_for()
    page.wait_for_function(NOT_RUNNING)
    keys = ("ArrowRight", "ArrowLeft") if up else ("ArrowLeft", "ArrowRight")
    return page, page.locator(f".st-key-{slider_key} input[type='range']"), shown, texts, keys


def move_slider(opened, forward: bool, until: str = "done") -> float:
    """One key press on the slider -> ms until the server's new value is on screen and the app idle
    (until="done"), or only on screen (until="shown")."""
    page, thumb, shown, texts, keys = opened
    page.bring_to_front()  # a background tab gets one animation frame a second
    thumb.focus()
    text = texts[1] if forward else texts[0]
    page.evaluate("([s, t]) => window.__benchWatch(s, t)", [shown, text])
    thumb.press(keys[0] if forward else keys[1])
    page.wait_for_function("() => window.__bench.done !== null")
    return page.evaluate(f"() => window.__bench.{until} - window.__bench.start")


@contextlib.contextmanager
def serve(entry: Path):
    """`streamlit run entry` on a free port, without a file watcher; yields its URL, stops it after."""
    import os
    import subprocess
    import urllib.request

    from tests.browser.conftest import _free_port

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("benchmark server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def browser_round_trips(folder: Path, repeats: int) -> list[str]:
    """Key press on a slider -> new value visible, on one real server, bare page vs both explorers."""
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import launch_chromium

    (folder / "entry.py").write_text(SHELL_ENTRY, encoding="utf-8")
    (folder / "bare_conv_controls.py").write_text(BARE_CONV_CONTROLS, encoding="utf-8")
    (folder / "bare_pool_controls.py").write_text(BARE_POOL_CONTROLS, encoding="utf-8")
    with serve(folder / "entry.py") as url, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(SLIDER_WATCHER)
        metric = "[data-testid='stMetricValue']"
        pages = {
            "bare": open_slider_page(context, f"{url}/?lang=en", "bare_value", metric, ("2", "3")),
            "bare_conv": open_slider_page(context, f"{url}/bare_conv?lang=en", "bare_value", metric, ("2", "3")),
            "conv_filters": open_slider_page(context, f"{url}/conv?lang=en", "conv_filters", metric,
                                             ("(4, 26, 26, 2)", "(4, 26, 26, 3)")),
            "conv_kernel": open_slider_page(context, f"{url}/conv?lang=en", "conv_kernel", metric,
                                            ("(4, 26, 26, 2)", "(4, 25, 25, 2)")),
            "bare_pool": open_slider_page(context, f"{url}/bare_pool?lang=en", "bare_value", metric, ("2", "1"),
                                          up=False),
            "pool": open_slider_page(context, f"{url}/pooling?lang=en", "pooling_pool_w", metric,
                                     ("(1, 1, 1, 1)", "(1, 1, 3, 1)"), up=False),
        }
        # Round robin over the pages (each in its own tab), a move forward and back per turn: a change in
        # the machine's load (other processes on a shared machine) hits every page alike, not one of them.
        times = {name: [] for name in pages}
        for turn in range(-(-repeats // 2) + 1):
            for name, opened in pages.items():
                pair = [move_slider(opened, True), move_slider(opened, False)]
                if turn > 0:  # the first turn warms up
                    times[name] += pair
        results = {name: statistics.median(ms) for name, ms in times.items()}
        browser.close()

    failures = []
    print(f"1. browser round trip in the app's frame, slider key press -> new value on screen and the app idle, "
          f"median of {len(times['bare'])}")
    print(f"{'':46s} {'ms':>7s} {'x one slider':>12s} {'x same controls, no computation':>33s}")
    rows = [("bare page (one slider)", "bare", None), ("bare page, Conv2D's controls", "bare_conv", None),
            ("conv: filters (default view)", "conv_filters", "bare_conv"),
            ("conv: kernel_size (default view)", "conv_kernel", "bare_conv"),
            ("bare page, MaxPooling2D's controls", "bare_pool", None),
            ("pooling: pool_size (default view)", "pool", "bare_pool")]
    for label, name, baseline in rows:
        ms = results[name]
        fair = ""
        if baseline:
            ratio = ms / results[baseline]
            fair = f"{ratio:6.2f}" + ("  ok" if ratio <= TARGET else f"  OVER {TARGET}x")
            if ratio > TARGET:
                failures.append(f"browser: {label}")
        print(f"{label:46s} {ms:7.1f} {ms / results['bare']:12.2f} {fair:>33s}")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_page.py"
        bare.write_text(BARE_PAGE, encoding="utf-8")
        browser_failures = [] if args.skip_browser else browser_round_trips(Path(tmp), args.repeats)
        conv, pooling = ROOT / "app_pages" / "conv.py", ROOT / "app_pages" / "pooling.py"
        rows = [
            ("bare page (slider, no computation)", bare, "slider", "bare_value", [3, 4], None, False),
            ("conv: filters (shape & code tab)", conv, "slider", "conv_filters", [3, 4], None, True),
            ("conv: kernel_size (shape & code tab)", conv, "slider", "conv_kernel", [5, 3], None, True),
            ("pooling: pool_size (result tab)", pooling, "slider", "pooling_pool_h", [1, 2], None, True),
            ("conv: filters, feature maps tab open", conv, "slider", "conv_filters", [3, 4],
             {"conv_tab": "Feature maps"}, False),
            ("conv: kernel_size, step-through tab open", conv, "slider", "conv_kernel", [5, 3],
             {"conv_tab": "Step-through"}, False),
            ("pooling: pool_size, digit tab open", pooling, "slider", "pooling_pool_h", [1, 2],
             {"pooling_tab": "On a digit's feature map"}, False),
        ]
        bare_ms = None
        failures = []
        print(f"\n2. AppTest script rerun after one control change, median of {args.repeats} (information)")
        print(f"{'':44s} {'ms':>8s} {'x bare':>8s}")
        for label, script, widget, key, values, state, _default_view in rows:
            ms = rerun_ms(script, widget, key, values, args.repeats, state)
            bare_ms = bare_ms or ms
            ratio = ms / bare_ms
            print(f"{label:44s} {ms:8.1f} {ratio:8.2f}")

    tf_loaded = "tensorflow" in sys.modules or "keras" in sys.modules
    print(f"\n3. TensorFlow imported by the AppTest runs above: {tf_loaded} (must be False)")
    failures = browser_failures + (["TensorFlow was imported"] if tf_loaded else [])
    if failures:
        print("FAILED:", ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()

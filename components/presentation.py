"""Presentation mode for a projector, and the page-wide CSS that keeps numbers, formulas and code whole.

One place for it: app.py calls `init()` before the page config, `inject_css()` once per run and
`toggle()` in the sidebar (which also sends the small script that fits wide formulas and metric values);
ui.show_chart passes every figure through `for_screen()` (unless the caller keeps it at its own size); a page
that lays out differently for a projector asks `is_on()`.

The sidebar: st.set_page_config(initial_sidebar_state=...) is not only read at the first load. In
Streamlit 1.67 the frontend re-applies it whenever the value differs from the previous run's (a layout
effect that depends on it), unless the user has folded or opened the sidebar by hand in this browser
(that choice is kept in localStorage and wins). So app.py passes `sidebar_state()` on every run, and
the run that turns the mode on (by the toggle or by ?present=1) also clicks the sidebar's own collapse
button once, which folds it even after such a hand-made choice.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components import state_keys as keys
from components.charts import IMAGE_SCALE, TILE_SCALE, TILE_TOP_LEVEL
from components.i18n import t
from components.pages import HOME, neighbours

QUERY_PARAM = "present"

# In presentation mode, charts get taller and their text larger by these factors.
CHART_HEIGHT_SCALE = 1.25
CHART_FONT_SCALE = 1.3

# Every mode: nothing a student needs to read ends in "…" or runs off the right edge.
BASE_CSS = """
/* Metric values (shapes such as "(4, 26, 26, 2)") get smaller in narrow columns instead of ending in "…";
   _FIT_SCRIPT shrinks a value that is still too wide. */
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: clamp(1.5rem, 18cqi, 2.25rem); }
[data-testid="stMetricValue"] :is([data-testid="stMarkdownContainer"], p) { text-overflow: clip; }
/* Display formulas break after "=" or "+" (as TeX does in running text) instead of being clipped; room below
   for the labels under a brace (KaTeX's box clips what hangs below its last line). */
.katex-display > .katex { white-space: normal; }
.katex-display { padding-bottom: 0.3em; }
/* Printed tensors and model summaries wrap like the code panels (ui.code_panel passes wrap_lines=True);
   !important because the syntax highlighter writes white-space: pre into the element's style attribute.
   A line too long for its box (_FIT_SCRIPT marks it .cnnlab-wrapped) is one band with a bar at its left and
   its continuation indented under it, so a wrap never reads as a new, indented line of code. */
[data-testid="stCode"] code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
[data-testid="stCode"] code > span.cnnlab-wrapped { display: block; background: #eceff5; text-indent: -4ch;
  border-left: 3px solid #8a93a6; margin: 2px 0 2px calc(-3px - 0.5ch); padding-left: 4.5ch; }
/* Text contrast at least 4.5:1 (WCAG AA) in every mode. Streamlit draws captions at 60% opacity
   (3.7:1 on white): solid grey instead. Code colours: Streamlit's highlighter palette is 2.6–3.7:1 on the
   code background; these are 5.6:1 or more. */
[data-testid="stCaptionContainer"] { opacity: 1; color: #525a6b; }
[data-testid="stCode"] .token.keyword, [data-testid="stCode"] .token.builtin,
[data-testid="stCode"] .token.boolean { color: #1a56b0; }
[data-testid="stCode"] .token.operator { color: #a34a12; }
[data-testid="stCode"] .token.punctuation { color: #4d5566; }
[data-testid="stCode"] .token.number { color: #0b6b5e; }
[data-testid="stCode"] .token.string { color: #1c7032; }
[data-testid="stCode"] .token.comment { color: #5c6370; }
[data-testid="stCode"] .token.function, [data-testid="stCode"] .token.class-name { color: #7a3e9d; }
/* Toggle and checkbox labels and page links wrap instead of ending in "…". */
label [data-testid="stMarkdownContainer"], label [data-testid="stMarkdownContainer"] p,
[data-testid="stPageLink-NavLink"] span { white-space: normal; text-overflow: clip; overflow-wrap: anywhere; }
/* A segmented control too wide for its column wraps its options onto a second row instead of scrolling
   them out of sight ("사인파" shown as "사"). */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; overflow-x: visible; row-gap: 0.25rem; }
/* A button is never narrower than its longest word, and longer labels wrap between words
   (a narrow column turned "지우기" into "지.." and "Clear" into "Cle/ar"). */
[data-testid="stButton"] button, [data-testid="stDownloadButton"] button { min-width: min-content; }
[data-testid="stButton"] button p, [data-testid="stDownloadButton"] button p {
  white-space: normal; text-overflow: clip; word-break: keep-all; overflow-wrap: normal; }
"""

# Presentation mode only: larger type for the back of the room, less empty space above the page.
PRESENT_CSS = """
/* Streamlit sizes its type in rem: a larger root font enlarges text and widgets together. */
html { font-size: 18px; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
/* chapter_nav's ◀ ▶ links sit in the app's top bar (above it: the bar is opaque), centred between the
   sidebar's » button and the toolbar: they take no room from the page. */
.st-key-present_nav { position: relative; z-index: 999991; margin: -2rem 0 -1.6rem; pointer-events: none; }
.st-key-present_nav a { pointer-events: auto; }  /* the bar's own buttons stay clickable beside the links */
[data-testid="stMetricValue"] { font-size: clamp(1.75rem, 20cqi, 3rem); }
.katex-display { font-size: 1.15em; }
"""


def init() -> None:
    """The mode starts from the URL (?present=1) the first time a session runs."""
    if keys.PRESENT not in st.session_state:
        st.session_state[keys.PRESENT] = st.query_params.get(QUERY_PARAM) == "1"
        st.session_state[keys.PRESENT_FOLD_PENDING] = st.session_state[keys.PRESENT]


def is_on() -> bool:
    return bool(st.session_state.get(keys.PRESENT, False))


def sidebar_state() -> str:
    """For st.set_page_config: folded away in presentation mode, Streamlit's default otherwise."""
    return "collapsed" if is_on() else "auto"


def toggle() -> None:
    """The sidebar switch; the URL keeps the current choice (?present=1), so the link can be bookmarked.

    Also sends the page scripts (st.html with JavaScript is an element: it needs a place, the sidebar's end).
    """
    st.toggle(t("common.present_toggle"), key=keys.PRESENT, help=t("common.present_help"), on_change=_turned)
    fold = _FOLD_SCRIPT if st.session_state.pop(keys.PRESENT_FOLD_PENDING, False) and is_on() else ""
    st.html(f"<script>{_FIT_SCRIPT}{fold}</script>", unsafe_allow_javascript=True)
    if is_on():
        st.query_params[QUERY_PARAM] = "1"
    elif QUERY_PARAM in st.query_params:
        del st.query_params[QUERY_PARAM]


def _turned() -> None:
    st.session_state[keys.PRESENT_FOLD_PENDING] = is_on()


def page_opened(page_name: str) -> None:
    """Call before the page runs: in presentation mode a page picked from the open sidebar folds it again (the
    open sidebar squeezes the page; one pick, not pick-and-close)."""
    previous = st.session_state.get(keys.PRESENT_PAGE)
    st.session_state[keys.PRESENT_PAGE] = page_name
    if is_on() and previous is not None and previous != page_name:
        st.sidebar.html(f"<script>/* {page_name} */{_FOLD_SCRIPT}</script>", unsafe_allow_javascript=True)


def chapter_nav(page_name: str) -> None:
    """In presentation mode, ◀ the page before and the page after ▶ at the top of every page: one click to the
    next page of the chapter, within reach on a projector's first screen."""
    if not is_on():
        return
    before, after = neighbours(page_name)
    with st.container(horizontal=True, horizontal_alignment="center", key=keys.PRESENT_NAV):
        if before is not None:
            st.page_link(before.path, label=t(f"nav.{before.name}"), icon=":material/arrow_back:",
                         help=t("common.previous_page"))
        if after is not None:
            st.page_link(after.path, label=t(f"nav.{after.name}"), icon=":material/arrow_forward:",
                         icon_position="right", help=t("common.next_page"))


def page_name_of(url_path: str) -> str:
    """The chapter's name of the page st.navigation runs ("" is Home)."""
    return url_path or HOME.name


# st.html is not in an iframe: these scripts run in the app's own page.
# Streamlit's own collapse button (there while the sidebar is open).
_FOLD_SCRIPT = """
document.querySelector('[data-testid="stSidebarCollapseButton"] button')?.click();
"""
# What must be read whole but cannot wrap far enough (a metric value, a matrix, an aligned block) is
# scaled down until it fits its room; set up once per page, re-checked whenever the page changes or
# the main area resizes (the sidebar folds, the window changes).
_FIT_SCRIPT = """
if (!window.cnnlabFit) {
  window.cnnlabFit = true;
  let queued = false, watched = null;
  const resized = new ResizeObserver(() => later());
  const fit = (box, room) => {
    box.style.fontSize = '';
    if (room > 0 && box.scrollWidth > room + 1) box.style.fontSize = Math.max(0.4, 0.97 * room / box.scrollWidth) + 'em';
  };
  const fitAll = () => {
    queued = false;
    for (const box of document.querySelectorAll('.katex-display'))
      fit(box, box.closest('[data-testid="stElementContainer"]')?.clientWidth);
    for (const box of document.querySelectorAll('[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"]'))
      fit(box, box.parentElement.clientWidth);
    for (const box of document.querySelectorAll('[data-testid="stCode"] pre code'))  // e.g. model.summary()'s table
      fit(box, box.closest('pre').clientWidth - 2 * parseFloat(getComputedStyle(box.closest('pre')).paddingLeft));
    for (const line of document.querySelectorAll('[data-testid="stCode"] code > span')) {
      line.classList.remove('cnnlab-wrapped');  // measured as the highlighter draws it: inline, one box per line
      const rows = new Set([...line.getClientRects()].filter(r => r.width > 1).map(r => Math.round(r.top)));
      if (rows.size > 1) line.classList.add('cnnlab-wrapped');  // (its closing newline's empty box does not count)
    }
    const main = document.querySelector('[data-testid="stMain"]');
    if (main && main !== watched) { resized.observe(main); watched = main; }
  };
  const later = () => { if (!queued) { queued = true; requestAnimationFrame(fitAll); } };
  new MutationObserver(later).observe(document.body, {childList: true, subtree: true, characterData: true});
  later();
}
"""


def scroll_to(key: str, nonce: int) -> None:
    """Bring the element with key `key` (.st-key-<key>) to the top of the window, once per new `nonce`.

    For an answer that appears far below the click that asked for it (the Network page's traced cell). The
    script's text changes with the nonce, so Streamlit mounts it (and the browser runs it) once per click;
    it scrolls again when the charts below have been laid out and moved the element.
    """
    script = f"""/* {nonce} */
    const go = () => {{ const el = document.querySelector('.st-key-{key}');
      if (el) {{ el.style.scrollMarginTop = '3.5rem'; el.scrollIntoView({{block: 'start'}}); }} }};  // below the app's top bar
    requestAnimationFrame(go); setTimeout(go, 400); setTimeout(go, 1200);"""
    st.sidebar.html(f"<script>{script}</script>", unsafe_allow_javascript=True)  # no room taken on the page


def inject_css() -> None:
    """The page-wide style, sent once per run (a style-only st.html takes no room on the page)."""
    st.html(f"<style>{BASE_CSS}{PRESENT_CSS if is_on() else ''}</style>")


def side_by_side(ratio: tuple[float, float] = (1.0, 1.5)):
    """Two areas: columns in presentation mode (e.g. Start beside the live chart), else one under the other."""
    if is_on():
        return st.columns(list(ratio), gap="medium")
    return st.container(), st.container()


def card_columns(count: int) -> list:
    """Columns for `count` cards side by side: one row, or at most two a row in presentation mode, where
    a third of a projector's 853 px is too narrow for a card's three-column table."""
    per_row = min(count, 2) if is_on() else count
    columns = []
    for _ in range(0, count, per_row):
        columns.extend(st.columns(per_row))
    return columns[:count]


# ------------------------------------------------------------------ charts

_GREY = go.Heatmap(colorscale=IMAGE_SCALE).colorscale  # images stay without a colour bar


def for_screen(fig: go.Figure) -> go.Figure:
    """The figure as it should be drawn: unchanged normally; bigger, with a colour bar, for a projector.

    Never changes `fig` (it may be a cached figure shared with later reruns): works on a dict copy
    and hands back a Figure (st.plotly_chart refuses a dict without traces, e.g. an empty loss chart).
    The copy is not validated again (_validate=False): it came from a valid figure, and validating a
    large grid again costs several times the copy.
    """
    if not is_on():
        return fig
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    if layout.get("height"):
        layout["height"] = int(layout["height"] * CHART_HEIGHT_SCALE)
    _scale_fonts(spec, CHART_FONT_SCALE)
    _add_colour_bar(spec["data"], fig.data)
    return go.Figure(spec, _validate=False)


def _scale_fonts(spec: dict, factor: float) -> None:
    layout = spec["layout"]
    font = layout.setdefault("font", {})
    font["size"] = round(font.get("size", 12) * factor)
    # Figure titles keep their size: plotly cannot wrap them, and a larger one does not fit a narrow column.
    sized = [a.get("font") for a in layout.get("annotations", ())]
    sized += [trace.get("textfont") for trace in spec["data"]]
    for item in sized:
        size = item.get("size") if isinstance(item, dict) else None
        if isinstance(size, (int, float)):
            item["size"] = round(size * factor)


def _add_colour_bar(traces: list[dict], originals) -> None:
    """A colour bar for feature maps: numbers when every map shares one range, else 'low … high'.

    Left out where the figure already writes its numbers (number grids, the confusion matrix),
    for grey images, and where a colour bar is already shown.
    """
    heatmaps = [tr for tr in traces if tr.get("type") == "heatmap"]
    if not heatmaps or any(tr.get("showscale") or tr.get("texttemplate") for tr in heatmaps):
        return
    last = heatmaps[-1]
    if _same_scale(last.get("colorscale"), _GREY):
        return
    group = [tr for tr in heatmaps if _same_scale(tr.get("colorscale"), last.get("colorscale"))]
    last["showscale"] = True
    last["colorbar"] = dict(thickness=14, len=0.9, outlinewidth=0)
    if _same_scale(last.get("colorscale"), TILE_SCALE):  # tiled maps: levels of each map's own range, not values
        last["colorbar"].update(tickvals=[0, TILE_TOP_LEVEL], ticktext=[t("common.scale_low"), t("common.scale_high")])
        return
    if len({(tr.get("zmin"), tr.get("zmax")) for tr in group}) == 1 and last.get("zmin") is not None:
        return  # one shared range: plotly's numbered ticks are right for every map
    low, high = _value_range(originals[traces.index(last)])  # the dict holds z encoded (plotly 6)
    last["colorbar"].update(tickvals=[low, high], ticktext=[t("common.scale_low"), t("common.scale_high")])


def _same_scale(a, b) -> bool:
    return [tuple(step) for step in a or ()] == [tuple(step) for step in b or ()]


def _value_range(trace) -> tuple[float, float]:
    if trace.zmin is not None and trace.zmax is not None:
        return float(trace.zmin), float(trace.zmax)
    z = np.asarray(trace.z, dtype=float)
    return float(np.nanmin(z)), float(np.nanmax(z))

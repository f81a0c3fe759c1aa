"""Arbitrary canvas values, query strings and upload bytes thrown at the pages through AppTest (Hypothesis).

One session per test takes every example, as one hostile or careless student's tab would: after each, the
page shows no exception and a normal input still works, and the process's peak memory grew by less than
PEAK_GROWTH_MB (Linux: the resident high-water mark, reset before each example through /proc/self/clear_refs;
elsewhere Python's own allocations, tracemalloc). The canvas value is injected at the canvas's session-state
key, where Streamlit's deserializer puts what the browser sends: AppTest cannot drive a custom component.
"""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.drawn_digits import drawn_digits
from components import state_keys as keys
from tests.apptest.test_bounds import BOUND_PARAMS
from tests.apptest.test_draw import canvas_value, metric_values, png
from tests.unit.test_input_checks import canvas_values, pngs

PEAK_GROWTH_MB = 300  # the target for the whole server under abuse; one example must stay well inside
EXAMPLES = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
STATUS = Path("/proc/self/status")


class PeakMemory:
    """The growth of this process's peak memory over one example."""

    def __enter__(self):
        self.rss = self._read("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")  # the high-water mark back to the current size
            self.kernel = True
        except OSError:
            self.kernel = False
            tracemalloc.start()
        return self

    def __exit__(self, *exc):
        if self.kernel:
            self.growth = self._read("VmHWM") - self.rss
        else:
            self.growth = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

    @staticmethod
    def _read(field: str) -> int:
        try:
            return int(re.search(rf"{field}:\s+(\d+) kB", STATUS.read_text()).group(1)) * 1024
        except (OSError, AttributeError):
            return 0


@pytest.fixture(scope="module")
def seven():
    return next(d for d in drawn_digits(40, seed=5) if d.label == 7)


@pytest.fixture
def draw_page(app_test):
    return app_test("en", "app_pages/draw.py")


def _canvas_key(at) -> str:
    """The canvas's current key (the Clear count is in the session once the canvas was cleared)."""
    return keys.draw_canvas(at.session_state[keys.DRAW_CANVAS_CLEARS] if keys.DRAW_CANVAS_CLEARS in at.session_state
                            else 0)


def _reads_a_drawing(at, seven) -> None:
    at.session_state[_canvas_key(at)] = canvas_value(seven.image)
    at.run()
    assert not at.exception and metric_values(at) == [("Prediction", "7")], "the session no longer reads drawings"


@EXAMPLES
@given(value=canvas_values)
def test_arbitrary_canvas_values(draw_page, seven, value):
    at = draw_page
    at.session_state[_canvas_key(at)] = value
    with PeakMemory() as peak:
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert peak.growth < PEAK_GROWTH_MB * 1e6, f"{peak.growth / 1e6:.0f} MB for one canvas value"
    _reads_a_drawing(at, seven)


# Any name a browser's file picker sends: the uploader's types end it (Streamlit itself refuses another
# extension before the page runs: test_bounds.py shows the session recovering from that).
names = st.builds(lambda stem, ext: stem + ext, st.text(st.characters(blacklist_categories=("Cs",),
                                                                       blacklist_characters="\x00"), max_size=60),
                  st.sampled_from([".png", ".jpg", ".jpeg", ".PNG"]))


@EXAMPLES
@given(name=names, data=st.one_of(pngs, st.binary(max_size=2000),
                                  st.just(png(np.full((40, 30), 200, np.uint8)))))
def test_arbitrary_upload_bytes_and_names(draw_page, seven, name, data):
    at = draw_page
    with PeakMemory() as peak:
        at.file_uploader(key=keys.DRAW_UPLOAD).set_value((name, data, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert peak.growth < PEAK_GROWTH_MB * 1e6, f"{peak.growth / 1e6:.0f} MB for one upload"
    at.file_uploader(key=keys.DRAW_UPLOAD).set_value(None).run()
    _reads_a_drawing(at, seven)


PAGES = ("conv", "pooling", "sequences", "draw", "model", "network", "train")
param_names = st.one_of(st.sampled_from([p for params in BOUND_PARAMS.values() for p in params]),
                        st.sampled_from(["lang", "present"]), st.text(max_size=12))
query_strings = st.dictionaries(param_names, st.text(max_size=30), max_size=6)


@pytest.fixture
def session(app_test):
    return app_test("en")


@EXAMPLES
@given(page=st.sampled_from(PAGES), query=query_strings)
def test_arbitrary_query_strings(session, page, query):
    at = session  # one tab that keeps following links with arbitrary query strings
    at.query_params.clear()
    at.query_params.update(query)
    with PeakMemory() as peak:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, (query, [e.value for e in at.exception])
    assert at.title, f"{page}?{query}: nothing rendered"
    assert peak.growth < PEAK_GROWTH_MB * 1e6
    at.run()  # the next run of the same session works too
    assert not at.exception

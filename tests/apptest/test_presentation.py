"""Presentation mode in AppTest: the toggle, the URL, and every page drawn with present-mode charts."""

import pytest

from components import state_keys as keys
from components.pages import HOME, PAGES

PAGE_PATHS = [info.path for info in (HOME, *PAGES)]


def test_present_param_in_the_url_turns_the_mode_on(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APPTEST_TIMEOUT, ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APPTEST_TIMEOUT)
    at.query_params["present"] = "1"
    at.run()
    assert at.session_state[keys.PRESENT] is True
    assert at.toggle(key=keys.PRESENT).value is True


def test_the_toggle_writes_the_mode_into_the_url_and_takes_it_out(app_test):
    at = app_test("en")
    toggle = at.toggle(key=keys.PRESENT)
    assert toggle.value is False and toggle.label == "Presentation mode"
    assert "present" not in at.query_params
    toggle.set_value(True).run()
    assert at.query_params["present"] in ("1", ["1"])
    at.toggle(key=keys.PRESENT).set_value(False).run()
    assert "present" not in at.query_params
    assert not at.exception


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_every_page_runs_in_presentation_mode(app_test, page):
    at = app_test("ko")
    at.toggle(key=keys.PRESENT).set_value(True).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key=keys.PRESENT).label == "발표 모드"


# ---- charts in presentation mode (components.presentation.for_screen, used by ui.show_chart)

@pytest.fixture
def present(monkeypatch):
    from components import presentation

    monkeypatch.setattr(presentation, "is_on", lambda: True)
    monkeypatch.setattr(presentation, "t", lambda key: key)
    return presentation


def test_charts_are_unchanged_outside_presentation_mode(monkeypatch):
    from components import charts, presentation

    monkeypatch.setattr(presentation, "is_on", lambda: False)
    fig = charts.bar_chart(["a", "b"], [0.5, 1.0], height=280)
    assert presentation.for_screen(fig) is fig


def test_presentation_charts_are_larger_and_leave_the_original_alone(present):
    from components import charts

    fig = charts.line_chart({"loss": ([1, 2], [0.5, 0.3])}, height=320, title="Loss")
    shown = present.for_screen(fig)
    assert (shown.layout.height, shown.layout.font.size, shown.layout.title.font.size) == (400, 18, 16)
    assert (fig.layout.height, fig.layout.font.size, fig.layout.title.font.size) == (320, 14, 16)


def test_feature_maps_get_a_colour_bar_that_says_low_and_high_when_each_map_has_its_own_range(present):
    import numpy as np

    from components import charts

    maps = [np.arange(9.0).reshape(3, 3), 10 * np.arange(9.0).reshape(3, 3)]
    shown = present.for_screen(charts.heatmap_grid(maps, columns=2))
    bars = [trace for trace in shown.data if trace.showscale]
    assert len(bars) == 1
    assert list(bars[0].colorbar.ticktext) == ["common.scale_low", "common.scale_high"]
    assert list(bars[0].colorbar.tickvals) == [0.0, 80.0]

    # tiled into one heatmap, each map on its own range: the bar's numbers would be levels, not values
    tiled = present.for_screen(charts.tiled_maps(maps, columns=2))
    bar = next(trace for trace in tiled.data if trace.showscale)
    assert list(bar.colorbar.ticktext) == ["common.scale_low", "common.scale_high"]
    assert list(bar.colorbar.tickvals) == [0, charts.TILE_TOP_LEVEL]

    shared = present.for_screen(charts.heatmap_grid(maps, columns=2, shared_scale=True))
    bar = next(trace for trace in shared.data if trace.showscale)
    assert bar.colorbar.tickvals is None, "one shared range: plotly's own numbers"


def test_images_and_number_grids_get_no_colour_bar(present):
    import numpy as np

    from components import charts, window_views

    image = present.for_screen(charts.heatmap(np.zeros((28, 28)), zmin=0, zmax=1))
    grid = present.for_screen(window_views.number_grid(np.eye(3)))
    assert not any(trace.showscale for trace in (*image.data, *grid.data) if trace.type == "heatmap")


def _model_card_rows(at) -> list[int]:
    """For each row of columns on the page: how many of its columns hold a layer table (a model card)."""
    rows = []

    def visit(node) -> None:
        children = list(getattr(node, "children", {}).values())
        columns = [c for c in children if type(c).__name__ == "Column"]
        cards = sum(any(type(d).__name__ == "Dataframe" for d in _descendants(c)) for c in columns)
        if cards:
            rows.append(cards)
        for child in children:
            visit(child)

    visit(at._tree)
    return rows


def _descendants(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _descendants(child)


def test_sequences_model_cards_are_at_most_two_a_row_on_a_projector(app_test):
    at = app_test("en", "app_pages/sequences.py")
    at.toggle(key="sequences_lstm").set_value(True).run()
    assert _model_card_rows(at) == [3], "a laptop shows the three cards in one row"
    at.toggle(key=keys.PRESENT).set_value(True).run()
    assert not at.exception
    assert _model_card_rows(at) == [2, 1], "a third of 853 px cut the cards' parameter column"

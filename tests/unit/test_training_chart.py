"""The live training chart is filled into a cached empty figure: the right lines, labels and axes."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnlab import training_history
from cnnlab.i18n import translate
from components import training_charts


def _history(epochs: int, steps: int, with_val: bool) -> training_history.History:
    rng = np.random.default_rng(epochs)
    history = training_history.History(steps)
    for epoch in range(epochs):
        for batch in range(steps):
            history.batch_loss.append(float(2.0 / (epoch * steps + batch + 1) + rng.random() * 0.01))
            history.batch_accuracy.append(float(min(1.0, 0.1 + 0.002 * (epoch * steps + batch))))
            history.batch_epoch.append(epoch)
            history.batch_index.append(batch)
        history.epochs.append(training_history.EpochRecord(epoch + 1, 0.5 / (epoch + 1), 0.8 + 0.05 * epoch,
                                                   0.6 / (epoch + 1) if with_val else None,
                                                   0.75 + 0.05 * epoch if with_val else None, 2.0, True))
    return history


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("with_val", [False, True])
def test_history_chart_draws_each_series_in_its_panel_with_the_sessions_words(monkeypatch, language, with_val):
    monkeypatch.setattr(training_charts, "current_language", lambda: language)
    history = _history(epochs=3, steps=150, with_val=with_val)
    fig = training_charts.history_figure(history, epochs_planned=5)
    series = training_history.chart_series(history)

    expected = [series.loss, series.loss_smooth, series.epoch_loss] + ([series.val_loss] if with_val else [])
    expected += [series.accuracy, series.accuracy_smooth, series.epoch_accuracy]
    expected += [series.val_accuracy] if with_val else []
    assert len(fig.data) == len(expected)
    for trace, values in zip(fig.data, expected, strict=True):
        np.testing.assert_allclose(np.asarray(trace.y, dtype=float), values)
    per_panel = len(expected) // 2
    assert [tr.xaxis for tr in fig.data] == ["x"] * per_panel + ["x2"] * per_panel  # loss left, accuracy right
    names = [translate(k, language) for k in ("train.series_batch", "train.series_smooth", "train.series_epoch")]
    names += [translate("train.series_val", language)] if with_val else []
    assert [tr.name for tr in fig.data[:per_panel]] == names
    assert all(tr.showlegend is False for tr in fig.data[per_panel:])  # one legend entry per series
    assert [a.text for a in fig.layout.annotations] == [translate("train.chart_loss", language),
                                                        translate("train.chart_accuracy", language)]
    assert fig.layout.xaxis.range == (0, 5 * 1.02) and fig.layout.yaxis2.tickformat == ".0%"


def test_history_chart_equals_a_validated_figure_and_leaves_the_cached_skeleton_empty():
    fig = training_charts.history_figure(_history(epochs=2, steps=40, with_val=True), epochs_planned=2)
    validated = go.Figure(json.loads(fig.to_json()))  # plotly's validation accepts every property
    assert json.loads(fig.to_json()) == json.loads(validated.to_json())
    skeleton = json.loads(training_charts.history_skeleton(training_charts.current_language(), 2, True))
    assert all(trace["x"] == [] and trace["y"] == [] for trace in skeleton["data"])

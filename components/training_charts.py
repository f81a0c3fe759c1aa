"""The Train page's figures: the live loss/accuracy chart, the confusion matrix, accuracy per digit, mistakes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnlab import recipe, training_history
from cnnlab.i18n import translate
from components.charts import (
    IMAGE_SCALE,
    PALETTE,
    bar_chart,
    cell_text_layers,
    heatmap_grid,
    skeleton_cache,
    spec_of,
    styled,
    unvalidated,
)
from components.i18n import current_language, t


def history_figure(history: training_history.History, epochs_planned: int = 1) -> go.Figure:
    """Loss and accuracy side by side: each batch (faint), smoothed, and per epoch (training, validation).

    Rebuilt every second while a job trains, in a script thread that shares the interpreter lock with
    the training: the lines are filled into a cached empty figure (history_skeleton).
    """
    series = training_history.chart_series(history)
    with_val = bool(np.isfinite(series.val_loss).any() or np.isfinite(series.val_accuracy).any())
    epochs = max(1, epochs_planned, len(history.epochs))
    spec = spec_of(history_skeleton(current_language(), epochs, with_val))
    lines = [(series.x, series.loss), (series.x, series.loss_smooth), (series.epoch_x, series.epoch_loss)]
    lines += [(series.epoch_x, series.val_loss)] if with_val else []
    lines += [(series.x, series.accuracy), (series.x, series.accuracy_smooth),
              (series.epoch_x, series.epoch_accuracy)]
    lines += [(series.epoch_x, series.val_accuracy)] if with_val else []
    for trace, (x, y) in zip(spec["data"], lines, strict=True):
        trace["x"], trace["y"] = x, y
    return unvalidated(spec)


@skeleton_cache(maxsize=32)
def history_skeleton(language: str, epochs: int, with_val: bool) -> go.Figure:
    """history_figure's empty figure, built once per language, epoch count and validation."""
    def text(key: str) -> str:
        return translate(key, language)

    fig = make_subplots(rows=1, cols=2, subplot_titles=(text("train.chart_loss"), text("train.chart_accuracy")),
                        horizontal_spacing=0.08, vertical_spacing=0.0)
    for col in (1, 2):
        first = col == 1
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=text("train.series_batch"),
                                 line=dict(color=PALETTE[0], width=1), opacity=0.25, legendgroup="batch",
                                 showlegend=first, hovertemplate="%{y:.3f}<extra></extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=text("train.series_smooth"),
                                 line=dict(color=PALETTE[0], width=2.5), legendgroup="smooth", showlegend=first,
                                 hovertemplate="%{y:.3f}<extra></extra>"), row=1, col=col)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=text("train.series_epoch"),
                                 line=dict(color=PALETTE[2], width=2), marker=dict(size=9), legendgroup="epoch",
                                 showlegend=first, hovertemplate="%{y:.4f}<extra></extra>"), row=1, col=col)
        if with_val:
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=text("train.series_val"),
                                     line=dict(color=PALETTE[1], width=2, dash="dash"), marker=dict(size=9),
                                     legendgroup="val", showlegend=first, hovertemplate="%{y:.4f}<extra></extra>"),
                          row=1, col=col)
    fig.update_xaxes(title=text("train.chart_epoch"), range=[0, epochs * 1.02], dtick=1 if epochs <= 20 else None)
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(uirevision="train")
    styled(fig, height=400)
    # Legend below the plots so it never covers the two subplot titles.
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="center", x=0.5),
                      margin=dict(t=40, b=20))
    fig.update_annotations(font_size=16)
    return fig


def confusion_figure(confusion: np.ndarray) -> go.Figure:
    labels = [str(d) for d in range(10)]
    fig = go.Figure(go.Heatmap(
        z=confusion, x=labels, y=labels, colorscale="Blues", showscale=False,
        hovertemplate=f"{t('train.true_label')} %{{y}} → {t('train.predicted_label')} %{{x}}: %{{z}}<extra></extra>"))
    # The counts in black or white, whichever reads at WCAG AA on their cell's blue.
    counts = np.asarray(confusion)
    fig.add_traces(cell_text_layers(counts.astype(str).astype(object), counts, "Blues", float(counts.min()),
                                    float(counts.max()), labels, labels))
    # constrain="domain": the square grid shrinks its axes with it, so the labels on top stay on the grid.
    fig.update_xaxes(title=t("train.predicted_label"), type="category", side="top", constrain="domain")
    fig.update_yaxes(title=t("train.true_label"), type="category", autorange="reversed", scaleanchor="x",
                     constrain="domain")
    return styled(fig, height=460)


LABEL_FITS_INSIDE = 0.3  # share of the axis a bar needs to hold "100.0%" upright at 15 px (300 px chart)


def per_class_figure(evaluation: recipe.Evaluation) -> go.Figure:
    per_class = evaluation.per_class_accuracy
    low = max(0.0, float(per_class.min()) - 0.1)
    return bar_chart([str(d) for d in range(10)], per_class, highlight=int(np.argmin(per_class)), height=300,
                     value_format=".1%", value_range=(low, 1.0), tick_format=".0%", upright_labels=True,
                     labels_inside=(per_class - low) / (1.0 - low) >= LABEL_FITS_INSIDE)


def mistakes_figure(evaluation: recipe.Evaluation, shown: int) -> go.Figure:
    titles = [f"{true} → {pred} ({conf:.0%})" for _i, true, pred, conf in evaluation.mistakes[:shown]]
    return heatmap_grid(list(evaluation.mistake_images[:shown]), titles=titles, columns=8,
                        colorscale=IMAGE_SCALE, cell_px=130)

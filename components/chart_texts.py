"""Text alternatives: one sentence per chart that carries the lesson's number, stating that number.

A screen reader cannot read a plotly picture, and a student far from the projector cannot read a small number in
it: each sentence is shown under its chart (ui.show_chart(alt=...)) in the page's language, written from the
same numbers the chart draws.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from cnnlab import latex
from components.i18n import t


def _pct(share: float) -> str:
    return latex.percent(float(share), 1)


def probabilities(probs: np.ndarray, shown: int = 3) -> str:
    """The largest `shown` of the ten bars: digit and probability, largest first."""
    probs = np.asarray(probs, dtype=np.float64)
    order = np.argsort(probs)[::-1][:shown]
    return t("alt.probabilities", bars=", ".join(f"{int(d)} → {_pct(probs[d])}" for d in order),
             shown=len(order), count=len(probs))


def _span(cells: list[int]) -> str:
    low, high = min(cells), max(cells)
    return str(low) if low == high else f"{low}–{high}"


def step_cell(row: int, col: int, value: float, window: list[tuple[int, int]]) -> str:
    """The step-through's selected output cell, its value, and the input cells (as drawn) its window covers."""
    return t("alt.step_cell", row=row, col=col, value=latex.compact_number(value),
             rows=_span([r for r, _ in window]), cols=_span([c for _, c in window]))


def feature_maps(maps: np.ndarray) -> str:
    """(h, w, n) maps: the strongest map, its largest value and where; how many maps are all zero."""
    maps = np.asarray(maps, dtype=np.float64)
    peaks = maps.reshape(-1, maps.shape[-1]).max(axis=0)
    best = int(np.argmax(peaks))
    row, col = np.unravel_index(int(np.argmax(maps[..., best])), maps.shape[:2])
    zero = int(np.sum(np.all(maps == 0, axis=(0, 1))))
    return t("alt.feature_maps", count=maps.shape[-1], best=best + 1, value=latex.compact_number(peaks[best]),
             row=int(row), col=int(col), zero=zero)


def training(history, epochs: int) -> str:
    """The live chart's latest point: the batch, its running accuracy and loss, the last finished epoch's."""
    batch, epoch = len(history.batch_loss), history.batch_epoch[-1] + 1
    text = t("alt.training_batch", epoch=epoch, epochs=epochs, batch=batch,
             accuracy=_pct(history.batch_accuracy[-1]), loss=f"{history.batch_loss[-1]:.3f}")
    done = history.epochs[-1] if history.epochs else None
    if done is not None and done.val_accuracy is not None:
        text += " " + t("alt.training_epoch", epoch=done.epoch, val_accuracy=_pct(done.val_accuracy))
    return text


def per_digit(accuracy: np.ndarray) -> str:
    """The ten digits' accuracies: the hardest and the easiest."""
    accuracy = np.asarray(accuracy, dtype=np.float64)
    worst, best = int(np.argmin(accuracy)), int(np.argmax(accuracy))
    return t("alt.per_digit", worst=worst, worst_accuracy=_pct(accuracy[worst]), best=best,
             best_accuracy=_pct(accuracy[best]))


def losses(per_model: dict[str, list[float]]) -> str:
    """Each model's loss after the last epoch all of them reached."""
    epoch = min((len(v) for v in per_model.values()), default=0)
    if epoch == 0:
        return ""
    return t("alt.losses", epoch=epoch,
             losses=", ".join(f"{name} {latex.compact_number(v[epoch - 1])}" for name, v in per_model.items()))


def confusion(matrix: np.ndarray) -> str:
    """Right answers out of all test digits, and the most frequent mistake (true digit read as another)."""
    matrix = np.asarray(matrix, dtype=np.int64)
    right, total = int(np.trace(matrix)), int(matrix.sum())
    text = t("alt.confusion_right", right=f"{right:,}", total=f"{total:,}", percent=_pct(right / max(total, 1)))
    wrong = matrix - np.diag(np.diag(matrix))
    if wrong.any():
        true, read = np.unravel_index(int(np.argmax(wrong)), wrong.shape)
        text += " " + t("alt.confusion_mistake", quantity=int(wrong[true, read]), true=int(true), read=int(read),
                         count=int(wrong[true, read]))
    return text


def rnn_rows(per_row: np.ndarray | None, probabilities_: np.ndarray, decided_at: int | None) -> str:
    """The RNN's answer after the last row, and the row from which it no longer changes."""
    digit = int(np.argmax(probabilities_))
    text = t("alt.rnn_answer", digit=digit, percent=_pct(float(probabilities_[digit])))
    if per_row is not None and decided_at is not None:
        text += " " + t("alt.rnn_decided", row=decided_at, rows=len(per_row))
    return text


def mistakes(shown: list[tuple[int, int, int, float]], total: int) -> str:
    """The misclassified pictures shown (true, predicted pairs) and the commonest pair among them.

    Ties go to the pair whose first picture comes first (the most confident mistake): the order the pictures are in.
    """
    (true, read), count = Counter((true, read) for _index, true, read, _confidence in shown).most_common(1)[0]
    return t("alt.mistakes", quantity=count, shown=len(shown), total=f"{total:,}", true=true, read=read, count=count)


def family_gap(first: tuple[str, np.ndarray], second: tuple[str, np.ndarray]) -> str:
    """Two models' accuracies per digit, (name, (10,)): the digit where they differ most, and both accuracies."""
    (name_a, a), (name_b, b) = first, second
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    digit = int(np.argmax(np.abs(a - b)))
    return t("alt.family_gap", first=name_a, second=name_b, digit=digit, first_accuracy=_pct(a[digit]),
             second_accuracy=_pct(b[digit]))


def _values(values, decimals: int = 2) -> str:
    return ", ".join(f"{v:.{decimals}f}" for v in np.asarray(values, dtype=np.float64).ravel())


def series(values: np.ndarray, tail: int = 5) -> str:
    """A sequence example as drawn: how many points, the range, and its last `tail` values in order."""
    values = np.asarray(values, dtype=np.float64)
    return t("alt.series", count=len(values), low=f"{values.min():.2f}", high=f"{values.max():.2f}",
             tail=_values(values[-tail:]), shown=min(tail, len(values)))


def words(shown: list[str], original_positions: list[int]) -> str:
    """The sentence's words in the order drawn, each with its place in the sentence (1-based)."""
    return t("alt.words", words=", ".join(f"{w} ({int(p) + 1})" for w, p in zip(shown, original_positions,
                                                                                  strict=True)))


def feedforward(window: int, hidden: int = 3) -> str:
    return t("alt.feedforward", n=window, hidden=hidden, weights=window * hidden)


def unrolled(steps: int) -> str:
    return t("alt.unrolled", n=steps)


def rnn_inputs(x: np.ndarray, step: int) -> str:
    """The step-through's inputs x_1..x_T and the current one (step is 1-based)."""
    values = np.asarray(x, dtype=np.float64).reshape(len(x), -1)[:, 0]
    return t("alt.rnn_inputs", count=len(values), values=_values(values), t=step, value=f"{values[step - 1]:.2f}")


def hidden_state(states: np.ndarray, step: int) -> str:
    """The hidden state h_t (one value per unit) at the current step (1-based)."""
    return t("alt.hidden_state", t=step, values=_values(np.asarray(states)[step - 1]))


def window_target(series_: np.ndarray, window: int, start: int, split: int) -> str:
    """The example window's n inputs, the next value it must predict, and where the test part starts."""
    values = np.asarray(series_, dtype=np.float64)
    return t("alt.window_target", n=window, first=start, last=start + window - 1,
             values=_values(values[start:start + window]), target_t=start + window,
             target=f"{values[start + window]:.2f}", split=split)


def last_prediction(truth: np.ndarray, start: int, predictions: dict[str, np.ndarray]) -> str:
    """The last held-out step: the true value and each model's one-step-ahead prediction of it."""
    step = start + len(truth) - 1
    said = ", ".join(f"{name} {float(np.asarray(p)[-1]):.2f}" for name, p in predictions.items())
    return t("alt.last_prediction", t=step, truth=f"{float(np.asarray(truth)[-1]):.2f}", predictions=said)


def units(values: np.ndarray) -> str:
    """A Dense layer's outputs: the strongest unit and how many are zero (ReLU switched them off)."""
    values = np.asarray(values, dtype=np.float64)
    best = int(np.argmax(values))
    return t("alt.units", best=best, value=latex.compact_number(values[best]), zero=int(np.sum(values == 0)),
             count=len(values))


def largest(values: np.ndarray) -> str:
    """One map (h, w): its size and its largest value, and where (max pooling keeps that value)."""
    values = np.asarray(values, dtype=np.float64)
    row, col = np.unravel_index(int(np.argmax(values)), values.shape)
    return t("alt.largest", height=values.shape[0], width=values.shape[1], value=latex.compact_number(values.max()),
             row=int(row), col=int(col))


def channel_sums(channels: list[int], sums: np.ndarray) -> str:
    """Each input channel's share of a Conv2D cell's sum: the channel that adds the most (by size), and the total."""
    sums = np.asarray(sums, dtype=np.float64)
    best = int(np.argmax(np.abs(sums)))
    return t("alt.channel_sums", count=len(sums), channel=channels[best], value=latex.compact_number(sums[best]),
             total=latex.compact_number(sums.sum()))


def answers(labels: np.ndarray, predicted: np.ndarray) -> str:
    """The watched test digits now: how many are read right, and each wrong one (true → read)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    wrong = [f"{int(a)} → {int(b)}" for a, b in zip(labels, predicted, strict=True) if a != b]
    text = t("alt.answers", right=int(np.sum(labels == predicted)), count=len(labels))
    return text + (" " + t("alt.answers_wrong", wrong=", ".join(wrong)) if wrong else "")

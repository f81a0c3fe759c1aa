"""A CNN and an RNN on the same digits, in numbers: parameters, seconds per epoch, accuracy, what each misreads.

The shipped models are measured on the bundled held-out digits (the set their JSON's accuracy is measured on);
their seconds per epoch come from scripts/train_rnn_pretrained.py, which times one epoch of each side by
side in one run (same data, batch and augmentation). A learner's own trainings are measured on the test
digits of the data they trained on, their seconds per epoch taken from the training's own epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlab import architecture, models, recipe


@dataclass(frozen=True)
class FamilyNumbers:
    """One model's numbers for the comparison.

    family: "cnn" or "rnn"; own: the learner's training (else a shipped model); epoch_seconds: None when
    unknown; per_class: accuracy per true digit (10,); confusion: (10, 10) counts, rows the true digit;
    drawn_accuracy: on the synthetic drawn-style digits (shipped models only), else None.
    """

    family: str
    own: bool
    params: int
    epoch_seconds: float | None
    test_accuracy: float
    test_size: int
    per_class: np.ndarray
    confusion: np.ndarray
    drawn_accuracy: float | None = None

    @property
    def worst_digit(self) -> int:
        """The digit it reads worst (the lowest accuracy; the smaller digit on a tie)."""
        return int(np.argmin(self.per_class))

    def top_confusion(self) -> tuple[int, int, int] | None:
        """(true digit, what it was read as, how often) of its most frequent mistake, None without one."""
        wrong = self.confusion.copy()
        np.fill_diagonal(wrong, 0)
        if not wrong.any():
            return None
        true, predicted = np.unravel_index(int(np.argmax(wrong)), wrong.shape)
        return int(true), int(predicted), int(wrong[true, predicted])


def shipped_epoch_seconds(family: str) -> float | None:
    """Seconds per training epoch of a shipped model: the side-by-side timing of the RNN's training run
    when there is one (both families, one machine, one moment), else the model's own training."""
    side_by_side = (models.pretrained_info("rnn") or {}).get("epoch_seconds_side_by_side") or {}
    if family in side_by_side:
        return float(side_by_side[family])
    info = models.pretrained_info(family) or {}
    if info.get("epoch_seconds"):
        return float(info["epoch_seconds"])
    if info.get("train_seconds") and info.get("epochs"):
        return float(info["train_seconds"]) / int(info["epochs"])
    return None


def shipped_numbers(family: str, model, x_test: np.ndarray, y_test: np.ndarray) -> FamilyNumbers:
    """A shipped model measured on uint8 test digits (n, 28, 28): called directly, 1,000 at a time."""
    evaluation = recipe.evaluation_from_probs(recipe.test_probabilities(model, x_test), x_test, y_test)
    info = models.pretrained_info(family) or {}
    drawn = info.get("drawn_accuracy") if family == "rnn" else (models.pretrained_info("rnn") or {}).get(
        "cnn_drawn_accuracy")
    return FamilyNumbers(family, False, int(model.count_params()), shipped_epoch_seconds(family),
                         evaluation.test_accuracy, evaluation.test_size, evaluation.per_class_accuracy,
                         evaluation.confusion, drawn)


def own_numbers(stack, evaluation: recipe.Evaluation, epoch_seconds: list[float]) -> FamilyNumbers:
    """A learner's finished training: its stack, its evaluation, the seconds of its complete epochs."""
    seconds = float(np.median(epoch_seconds)) if epoch_seconds else None
    return FamilyNumbers(architecture.family_of(stack), True, architecture.analyze(stack).total_params, seconds,
                         evaluation.test_accuracy, evaluation.test_size, evaluation.per_class_accuracy,
                         evaluation.confusion)

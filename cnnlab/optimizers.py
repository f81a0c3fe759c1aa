"""The optimizers the app offers, in one table: Keras class, default learning rate, and the code for it.

Used by the training (the Keras object), the Train page (choices, the learning rate a change of
optimizer resets to) and the generated code (`compile(optimizer='adam')` when the rate is Keras'
default, else the class with its learning rate).
"""

from __future__ import annotations

import inspect
import logging
import math
import threading
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Optimizer:
    name: str  # as in model.compile(optimizer='adam')
    keras_class: str  # keras.optimizers.<keras_class>
    default_learning_rate: float  # Keras' own default for that class


OPTIMIZERS = {o.name: o for o in (Optimizer("adam", "Adam", 0.001), Optimizer("sgd", "SGD", 0.01),
                                  Optimizer("rmsprop", "RMSprop", 0.001))}
NAMES = tuple(OPTIMIZERS)

# The private Keras method without_default_all_reduce replaces, and the parameters it must have
# (keras/src/backend/tensorflow/optimizer.py; requirements.txt pins the Keras it was checked with).
ALL_REDUCE_METHOD = "_all_reduce_sum_gradients"
ALL_REDUCE_PARAMETERS = ("grads_and_vars",)
_patch_failure_lock = threading.Lock()
_patch_failure_logged = False


def default_learning_rate(name: str) -> float:
    return OPTIMIZERS[name].default_learning_rate


def make(name: str, learning_rate: float):
    """The Keras optimizer object, which frees its training's graphs (see without_default_all_reduce)."""
    import keras

    return without_default_all_reduce(getattr(keras.optimizers, OPTIMIZERS[name].keras_class)(learning_rate=learning_rate))


def without_default_all_reduce(optimizer):
    """`optimizer`, made to skip the gradient all-reduce when no tf.distribute strategy is in use.

    Keras 3's TensorFlow optimizer sums the gradients over the replicas even when there is just one (the
    default strategy) through tf.distribute's all_reduce, which wraps it in a custom gradient. Traced
    in a graph, that registers a function under a new name in TensorFlow's process-wide gradient
    registry, never removed, and the function holds the traced train step: every training's graphs
    would stay alive as long as the process (clear_session() does not free them). Over one replica the
    sum is the gradient itself, so the step is the same without it (tests/unit/test_training.py checks
    both). Under a real strategy Keras' own all-reduce runs.

    The method is Keras' private API: if it is missing or its parameters changed, the optimizer is
    returned as Keras made it and an error is logged (once per process); tests/unit/test_optimizers.py
    fails on such a Keras.
    """
    import tensorflow as tf

    all_reduce = getattr(optimizer, ALL_REDUCE_METHOD, None)
    if not all_reduce_patch_applies(all_reduce):
        _log_patch_failure(optimizer)
        return optimizer

    def all_reduce_if_distributed(grads_and_vars):
        return all_reduce(grads_and_vars) if tf.distribute.has_strategy() else list(grads_and_vars)

    setattr(optimizer, ALL_REDUCE_METHOD, all_reduce_if_distributed)
    return optimizer


def all_reduce_patch_applies(method) -> bool:
    """True if `method` (the optimizer's bound all-reduce) is still what without_default_all_reduce replaces."""
    if not callable(method):
        return False
    try:
        return tuple(inspect.signature(method).parameters) == ALL_REDUCE_PARAMETERS
    except (TypeError, ValueError):  # no signature to read: not the method we know
        return False


def _log_patch_failure(optimizer) -> None:
    global _patch_failure_logged
    with _patch_failure_lock:
        if _patch_failure_logged:
            return
        _patch_failure_logged = True
    logger.error("Keras' %s.%s is missing or its parameters changed (expected %s): the optimizer runs "
                 "unpatched and every training's traced graphs stay in memory. Check the Keras version "
                 "against requirements.txt and cnnlab/optimizers.py.", type(optimizer).__name__,
                 ALL_REDUCE_METHOD, ALL_REDUCE_PARAMETERS)


def code(name: str = "adam", learning_rate: float | None = None) -> str:
    """'adam' when the learning rate is Keras' default, else tf.keras.optimizers.Adam(learning_rate=...)."""
    info = OPTIMIZERS[name]
    if learning_rate is None or math.isclose(learning_rate, info.default_learning_rate):
        return f"'{name}'"
    return f"tf.keras.optimizers.{info.keras_class}(learning_rate={learning_rate:g})"

"""The optimizers the app offers, in one table: Keras class, default learning rate, and the code for it.

Used by the training (the Keras object), the Train page (choices, the learning rate a change of
optimizer resets to) and the generated code (`compile(optimizer='adam')` when the rate is Keras'
default, else the class with its learning rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Optimizer:
    name: str  # as in model.compile(optimizer='adam')
    keras_class: str  # keras.optimizers.<keras_class>
    default_learning_rate: float  # Keras' own default for that class


OPTIMIZERS = {o.name: o for o in (Optimizer("adam", "Adam", 0.001), Optimizer("sgd", "SGD", 0.01),
                                  Optimizer("rmsprop", "RMSprop", 0.001))}
NAMES = tuple(OPTIMIZERS)


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
    then stayed alive as long as the server (12-13 MB a training here; clear_session() does not free
    them). Over one replica the sum is the gradient itself, so the step is the same without it
    (tests/unit/test_training.py checks both). Under a real strategy Keras' own all-reduce runs.
    """
    import tensorflow as tf

    all_reduce = optimizer._all_reduce_sum_gradients  # AttributeError here means Keras changed: see the test

    def all_reduce_if_distributed(grads_and_vars):
        return all_reduce(grads_and_vars) if tf.distribute.has_strategy() else list(grads_and_vars)

    optimizer._all_reduce_sum_gradients = all_reduce_if_distributed
    return optimizer


def code(name: str = "adam", learning_rate: float | None = None) -> str:
    """'adam' when the learning rate is Keras' default, else tf.keras.optimizers.Adam(learning_rate=...)."""
    info = OPTIMIZERS[name]
    if learning_rate is None or math.isclose(learning_rate, info.default_learning_rate):
        return f"'{name}'"
    return f"tf.keras.optimizers.{info.keras_class}(learning_rate={learning_rate:g})"

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
    """The Keras optimizer object."""
    import keras

    return getattr(keras.optimizers, OPTIMIZERS[name].keras_class)(learning_rate=learning_rate)


def code(name: str = "adam", learning_rate: float | None = None) -> str:
    """'adam' when the learning rate is Keras' default, else tf.keras.optimizers.Adam(learning_rate=...)."""
    info = OPTIMIZERS[name]
    if learning_rate is None or math.isclose(learning_rate, info.default_learning_rate):
        return f"'{name}'"
    return f"tf.keras.optimizers.{info.keras_class}(learning_rate={learning_rate:g})"

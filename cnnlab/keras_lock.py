"""One process-wide lock for importing Keras and for making Keras models (building, loading, probing).

Rule: in the server every Keras model is made under `keras_models()`, which also imports Keras the
first time. Two threads that import TensorFlow at once can see each other's half-imported modules
(Python hands a partly initialised module to a thread whose import would otherwise deadlock on a
circular import), and the warm-up thread loads the shipped model while a page's own thread may build
a model. Making a model takes milliseconds once Keras is imported; calling models stays outside the
lock (it is safe from many threads: tests/unit/test_concurrency.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.RLock()  # re-entrant: a model made inside another one's making (a compiled copy, a probe)


@contextmanager
def keras_models() -> Iterator:
    """Hold the lock while a model is made; yields the `keras` module (imported under the lock)."""
    with _lock:
        import keras

        yield keras

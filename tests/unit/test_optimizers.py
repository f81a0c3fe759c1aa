"""The optimizers' patch of Keras' private all-reduce: it applies to the pinned Keras, or fails loudly."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from cnnlab import optimizers


def test_keras_optimizers_still_have_the_all_reduce_method_we_replace():
    import keras

    for name in optimizers.NAMES:
        keras_own = getattr(keras.optimizers, optimizers.OPTIMIZERS[name].keras_class)()
        method = getattr(keras_own, optimizers.ALL_REDUCE_METHOD, None)
        assert optimizers.all_reduce_patch_applies(method), (
            f"Keras changed {type(keras_own).__name__}.{optimizers.ALL_REDUCE_METHOD}: see cnnlab/optimizers.py")
        ours = getattr(optimizers.make(name, 0.01), optimizers.ALL_REDUCE_METHOD)
        assert ours.__name__ == "all_reduce_if_distributed", "make() returns the optimizer with our method"


def test_a_traced_train_step_calls_our_all_reduce():
    """Keras' train step, traced by model.fit, asks the optimizer instance for the method we put there."""
    import keras

    optimizer = optimizers.make("adam", 0.01)
    ours = getattr(optimizer, optimizers.ALL_REDUCE_METHOD)
    calls = []

    def watched(grads_and_vars):
        calls.append(len(list(grads_and_vars)))
        return ours(grads_and_vars)

    setattr(optimizer, optimizers.ALL_REDUCE_METHOD, watched)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert calls and calls[0] == 2, "the traced step did not call the optimizer's all-reduce: the patch is dead"
    assert not all(np.allclose(a, b) for a, b in zip(model.get_weights(), before, strict=True)), "it trained"


class _KerasWithout:
    """An optimizer of a Keras whose private all-reduce is gone."""


class _KerasChanged:
    """An optimizer of a Keras whose private all-reduce takes other arguments."""

    def _all_reduce_sum_gradients(self, grads, variables):
        return list(zip(grads, variables, strict=True))


@pytest.mark.parametrize("changed", [_KerasWithout, _KerasChanged])
def test_a_keras_without_the_method_we_replace_gets_a_logged_error_once(monkeypatch, caplog, changed):
    monkeypatch.setattr(optimizers, "_patch_failure_logged", False)
    first, second = changed(), changed()
    with caplog.at_level(logging.ERROR, logger="cnnlab.optimizers"):
        assert optimizers.without_default_all_reduce(first) is first
        assert optimizers.without_default_all_reduce(second) is second
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "cnnlab.optimizers"]
    assert len(errors) == 1 and optimizers.ALL_REDUCE_METHOD in errors[0].getMessage()
    if changed is _KerasChanged:  # left as Keras made it
        assert first._all_reduce_sum_gradients.__func__ is _KerasChanged._all_reduce_sum_gradients

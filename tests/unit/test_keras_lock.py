"""Every Keras model the server makes is made under one process-wide lock (cnnlab.keras_lock).

The warm-up thread loads the shipped model while a page's thread may build its own: both import
TensorFlow the first time, and two threads importing it at once can see half-imported modules.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from cnnlab import architecture, keras_check, models
from cnnlab.conv_ops import ConvSettings
from cnnlab.keras_lock import keras_models
from tests.conftest import ROOT


def _waits_for_the_lock(make) -> bool:
    """True when make() cannot finish while another thread holds keras_models()."""
    made = threading.Event()

    def run():
        make()
        made.set()

    with keras_models():
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        finished_under_lock = made.wait(1.0)
    worker.join(60)
    return not finished_under_lock and made.is_set()


def test_building_loading_and_checking_wait_for_the_lock():
    with keras_models():  # Keras imported first: the waits below are for the lock, not the import
        pass
    assert _waits_for_the_lock(lambda: architecture.build_model(architecture.chapter_spec()))
    assert _waits_for_the_lock(models.load_pretrained)
    assert _waits_for_the_lock(lambda: keras_check.verify_conv2d(ConvSettings((1, 6, 6, 1), 2, (3, 3))))


COLD_START = """
import threading, numpy as np
from cnnlab import architecture, inspect_model, models
barrier = threading.Barrier(4)
results, errors = {}, []
def load():
    barrier.wait()
    model = models.load_pretrained()
    results["load"] = inspect_model.layer_outputs(model, np.full((28, 28), 0.5, np.float32))[-1].output
def build(i):
    barrier.wait()
    results[i] = architecture.build_model(architecture.chapter_spec()).count_params()
def guard(fn, *args):
    try:
        fn(*args)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=guard, args=(load,))]
threads += [threading.Thread(target=guard, args=(build, i)) for i in range(3)]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors
reference = models.load_pretrained()
expected = inspect_model.layer_outputs(reference, np.full((28, 28), 0.5, np.float32))[-1].output
assert np.allclose(results["load"], expected, atol=1e-6), (results["load"], expected)
assert [results[i] for i in range(3)] == [93322] * 3, results
print("ok")
"""


def test_a_cold_process_loads_and_builds_models_from_four_threads_at_once():
    done = subprocess.run([sys.executable, "-c", COLD_START], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-3000:]

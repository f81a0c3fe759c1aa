"""Train page: a short background training finishes with chart data, results and an active model; Stop works."""

import json
import re
import time

import numpy as np

from cnnlab import data, learner_trainings, store, training
from components import state_keys as keys


def _entry(at):
    """The learner's training in the process's registry (each AppTest session is a new learner)."""
    return learner_trainings.shared_registry().entry(at.session_state[keys.LEARNER_ID])


def _wait_until(at, predicate, timeout=120):
    """Rerun the page until predicate(at) holds (the job runs in a thread; fragments don't tick in AppTest)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        if predicate(at):
            return
        time.sleep(0.3)
    raise AssertionError("condition not reached in time")


def _mistakes_said(said: str) -> tuple[int, int, tuple[int, int], int]:
    """(pictures shown, all mistakes, commonest (true, read) pair, its count) from the mistakes' sentence."""
    found = re.search(r"In numbers: (\d+) of the ([\d,]+) mistakes shown; the commonest among them: a (\d) read as "
                      r"(\d) \((\d+) times?\)", said)
    assert found, said
    shown, total, true, read, count = found.groups()
    return int(shown), int(total.replace(",", "")), (int(true), int(read)), int(count)


def _most_confident_mistakes(model, shown: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The model called on the bundled test digits: every wrong answer, and the (true, read) pairs of the `shown`
    most confident ones."""
    bundled = data.load_bundled()
    probs = np.asarray(model(bundled.x_test[..., None].astype("float32") / 255.0, training=False))
    read = probs.argmax(axis=1)
    wrong = np.flatnonzero(read != bundled.y_test)
    first = wrong[np.argsort(-probs[wrong, read[wrong]], kind="stable")][:shown]
    return wrong, [(int(bundled.y_test[i]), int(read[i])) for i in first]


def _charts(at):
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_short_training_completes_with_chart_results_and_active_model(app_test):
    at = app_test("en", "app_pages/train.py")
    assert not at.exception
    assert at.slider(key="train_epochs").value == 5 and at.select_slider(key="train_batch").value == 32
    assert at.selectbox(key="train_optimizer").value == "adam"
    assert at.select_slider(key="train_fraction").value == 1.0
    assert at.select_slider(key="train_validation").value == 0.0, "the chapter holds out no validation split"
    assert any("60,000" in c.value and "96.3" in c.value for c in at.caption)
    code = next(c.value for c in at.code if "model.fit(" in c.value)
    assert "np.load('mnist_subset.npz')" in code and "epochs=5, batch_size=32)" in code
    at.select_slider(key="train_fraction").set_value(0.05)
    at.select_slider(key="train_validation").set_value(0.1)
    at.slider(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    assert not at.exception
    job = at.session_state[keys.TRAINING_JOB]
    assert job.train_samples == 360 and job.val_samples == 40
    assert at.button(key="train_start").disabled and at.slider(key="train_epochs").disabled
    notice = at.info[0].value
    assert "Your training is" in notice and "Stop" in notice and "already running" not in notice
    # While it runs, the learner's active model is the half-trained one.
    assert _entry(at).job is job

    assert job.wait(120), "training should finish"
    at.run()
    assert not at.exception
    assert job.state == training.DONE
    history = job.history()
    assert len(history.batch_loss) == job.steps_per_epoch and len(history.epochs) == 1
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"].endswith("%") and metrics["Epochs done"] == "1 / 1"
    assert "Finished: 1 epoch in" in " ".join(p.proto.text for p in at.get("progress"))  # one epoch, singular
    assert list(at.dataframe[0].value.columns) == ["epoch", "loss", "accuracy", "validation loss",
                                                   "validation accuracy", "seconds"]
    assert any("96–97%" in c.value and "60,000" in c.value for c in at.caption), "why not 99%, near the results"
    specs = _charts(at)
    assert any('"smoothed"' in s for s in specs), "the live chart is drawn"
    assert any('"heatmap"' in s and "predicted digit" in s for s in specs), "the confusion matrix is drawn"
    assert job.evaluation.confusion.sum() == 2000
    # the charts' text alternatives state their numbers: the right answers (the matrix's diagonal), the last batch
    right = int(np.trace(job.evaluation.confusion))
    said = " ".join(c.value for c in at.caption)
    assert f"In numbers: {right:,} of 2,000 test digits read right ({right / 2000:.1%})." in said, said
    assert (f"epoch 1 of 1, batch {job.steps_per_epoch}: training accuracy {history.batch_accuracy[-1]:.1%}, "
            f"loss {history.batch_loss[-1]:.3f}. After epoch 1: validation accuracy "
            f"{history.epochs[0].val_accuracy:.1%}.") in said, said
    # the per-digit chart's: recomputed from the confusion matrix's rows, not read from the evaluation
    rows = job.evaluation.confusion
    per_digit = np.diag(rows) / rows.sum(axis=1)
    worst, best = int(np.argmin(per_digit)), int(np.argmax(per_digit))
    assert (f"hardest digit {worst} ({per_digit[worst]:.1%}), easiest {best} ({per_digit[best]:.1%})") in said, said
    # the mistakes picture's: recomputed from the trained Keras model's own answers on the test digits
    shown, total, pair, count = _mistakes_said(said)
    wrong, pairs = _most_confident_mistakes(job.model, shown)
    assert total == len(wrong) and shown == min(24, len(wrong))
    assert pairs.count(pair) == count == max(pairs.count(p) for p in pairs), (pair, count, pairs)
    # Saved to the learner's models and chosen: the session uses the very model it trained.
    saved_id = _entry(at).saved_model_id
    who = at.session_state[keys.LEARNER_ID]
    assert saved_id is not None and store.shared().active_model_id(who) == saved_id
    published = at.session_state[keys.TRAINED_MODEL]
    assert published.finished and published.epochs_done == 1 and published.model is job.model
    assert published.test_accuracy == job.evaluation.test_accuracy and published.saved_id == saved_id
    assert "active model" in " ".join(m.value for m in at.markdown)
    assert any(f"#{saved_id}" in c.value for c in at.caption), "the page says where it was saved"
    assert not at.button(key="train_start").disabled

    # A finished job's figures are built once: a rerun reuses them, another language rebuilds the translated ones.
    figures = at.session_state[keys.TRAINING_RUN].figures  # the UI's record, not the core job
    built = {name: figures[name][1] for name in ("history", "confusion", "per_class", "mistakes")}
    at.run()
    assert all(figures[name][1] is fig for name, fig in built.items())
    assert _charts(at) == specs
    at.session_state[keys.LANG] = "ko"
    at.run()
    assert not at.exception
    assert figures["confusion"][1] is not built["confusion"]
    assert figures["history"][1] is not built["history"]
    korean = [json.dumps(json.loads(s), ensure_ascii=False) for s in _charts(at)]
    assert any('"heatmap"' in s and "예측" in s for s in korean), "the confusion matrix is drawn in Korean"


def test_stop_during_training_leaves_a_usable_model(app_test):
    at = app_test("ko", "app_pages/train.py")
    at.select_slider(key="train_fraction").set_value(0.1)
    at.slider(key="train_epochs").set_value(20)
    at.button(key="train_start").click().run()
    job = at.session_state[keys.TRAINING_JOB]
    _wait_until(at, lambda _at: len(job.history().batch_loss) > 5)
    at.button(key="train_stop").click().run()
    assert job.wait(60)
    at.run()
    assert not at.exception
    assert job.state == training.STOPPED and job.epochs_done < 20
    assert "중지" in " ".join(p.proto.text for p in at.get("progress"))
    assert len(at.dataframe[0].value.columns) == 4, "no validation split: no validation columns"
    published = at.session_state[keys.TRAINED_MODEL]
    assert published.finished and published.stopped
    probs = np.asarray(published.model(np.zeros((2, 28, 28, 1), np.float32), training=False))
    assert probs.shape == (2, 10)
    assert published.test_accuracy is not None


def test_a_figure_is_rebuilt_only_when_its_key_changes():
    from types import SimpleNamespace

    from components.training_views import memo_figure

    run, builds = SimpleNamespace(figures={}), []

    def build():
        builds.append(object())
        return builds[-1]

    first = memo_figure(run, "history", (10, 0, "running", "en"), build)
    assert memo_figure(run, "history", (10, 0, "running", "en"), build) is first and len(builds) == 1
    assert memo_figure(run, "history", (11, 0, "running", "en"), build) is not first and len(builds) == 2
    assert memo_figure(run, "history", (11, 0, "running", "ko"), build) is builds[-1] and len(builds) == 3
    assert memo_figure(run, "other", (11, 0, "running", "ko"), build) is builds[-1] and len(builds) == 4


def test_changing_the_optimizer_resets_the_learning_rate_without_a_widget_default_warning(app_test, monkeypatch):
    """The optimizer's callback writes its default learning rate into the slider's state: Streamlit must not log
    that the slider also had a default value (the page seeds its state instead)."""
    from cnnlab import optimizers
    from tests.apptest.helpers import widget_default_warnings

    with widget_default_warnings(monkeypatch) as messages:
        at = app_test("en", "app_pages/train.py")
        at.select_slider(key=keys.TRAIN_LEARNING_RATE).set_value(0.1).run()
        at.selectbox(key=keys.TRAIN_OPTIMIZER).set_value("sgd").run()
        assert at.select_slider(key=keys.TRAIN_LEARNING_RATE).value == optimizers.default_learning_rate("sgd")
        at.selectbox(key=keys.TRAIN_OPTIMIZER).set_value("adam").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.select_slider(key=keys.TRAIN_LEARNING_RATE).value == optimizers.default_learning_rate("adam")
    assert not [m for m in messages if "default value" in m], messages

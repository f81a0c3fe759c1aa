"""The sequences page: both languages, live controls, the model summary, a tiny training run."""

import re

import numpy as np
import pytest

from cnnlab import latex, rnn_cells, sequence_data, sequence_experiment
from components import state_keys as keys

PAGE = "app_pages/sequences.py"


def texts(at, kind="markdown"):
    return " ".join(e.value for e in getattr(at, kind))


def totals(at):
    """The 'Total: N parameters' line of each model summary card, in order."""
    return [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) parameters", texts(at))]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_page_runs_in_both_languages(app_test, lang):
    at = app_test(lang, PAGE)
    assert not at.exception, [e.value for e in at.exception]
    headings = [s.value for s in at.subheader if s.value[0].isdigit()]  # the four numbered sections
    assert len(headings) == 4
    if lang == "ko":
        body = " ".join(headings) + texts(at)
        for term in ("순차 데이터", "순환 신경망", "은닉 상태", "표준 신경망", "시계열"):
            assert term in body, term
        assert all(re.search("[\uac00-\ud7a3]", h) for h in headings)
    else:
        assert "Neocognitron" in texts(at) and "convolutional" in texts(at)
    # TensorFlow is not needed to render the page: nothing has been trained yet
    assert "sequences_result" not in at.session_state
    assert not at.metric


def test_shuffle_and_step_through_react(app_test):
    at = app_test("en", PAGE)
    before = texts(at, "caption")
    at.toggle(key="sequences_shuffle").set_value(True).run()
    after = texts(at, "caption")
    assert "Shuffled" in after and "Shuffled" not in before
    ordered_r = float(re.search(r"day before, r = (-?\d+\.\d+)", before).group(1))
    shuffled_r = float(re.search(r"follow each other: r = (-?\d+\.\d+)", after).group(1))
    assert ordered_r > shuffled_r + 0.3

    at.slider(key="sequences_step_t").set_value(3).run()
    latex = " ".join(e.value for e in at.latex)
    assert "h_{3}" in latex
    h3 = rnn_cells.simple_rnn_states(rnn_cells.demo_inputs("pulse"), rnn_cells.demo_weights(1.0))[2]
    assert all(f"{v:.2f}" in latex for v in h3)
    at.slider(key="sequences_memory").set_value(0.0).run()
    assert "no recurrence" in texts(at, "info")


def test_window_length_changes_the_model_summary(app_test):
    at = app_test("en", PAGE)
    units = at.slider(key="sequences_units").value
    assert at.slider(key="sequences_window").value == sequence_experiment.DEFAULT_WINDOW
    dense, rnn = totals(at)[:2]
    assert dense == sequence_experiment.total_params("dense", sequence_experiment.DEFAULT_WINDOW, units)
    at.slider(key="sequences_window").set_value(40).run()
    assert not at.exception
    dense_40, rnn_40 = totals(at)[:2]
    assert dense_40 == dense + (40 - sequence_experiment.DEFAULT_WINDOW) * units  # more inputs, each wired to every unit
    assert rnn_40 == rnn  # the recurrent cell does not grow with the window
    assert "(None, 40)" in texts(at)
    at.toggle(key="sequences_lstm").set_value(True).run()
    assert totals(at)[2] == sequence_experiment.total_params("lstm", 40, units)
    # the settings survive a visit to another page
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PAGE).run()
    assert at.slider(key="sequences_window").value == 40 and at.toggle(key="sequences_lstm").value


def test_tiny_training_shows_both_test_errors(app_test):
    at = app_test("ko", PAGE)
    at.slider(key="sequences_window").set_value(5).run()
    at.slider(key="sequences_units").set_value(4).run()
    at.slider(key="sequences_epochs").set_value(2).run()
    at.button(key="sequences_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = at.session_state[keys.SEQUENCES_JOB]  # it trains in the background, like the Train page's job
    assert job.wait(120), "the experiment should finish"
    at.run()  # the rerun its live panel asks for once it has ended
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["sequences_result"]
    assert set(result.models) == {"dense", "rnn"} and result.window == 5 and result.epochs == 2
    labels = [m.label for m in at.metric]
    assert "표준 신경망 (Dense)" in labels and "SimpleRNN (순환 신경망)" in labels
    shown = {m.label: m.value for m in at.metric}
    for kind, name in [("dense", "표준 신경망 (Dense)"), ("rnn", "SimpleRNN (순환 신경망)")]:
        assert shown[name] == f"MSE {result.models[kind].mse:.4f}"
        assert np.isfinite(result.models[kind].mae) and len(result.models[kind].losses) == 2
    assert "학습 완료" in texts(at, "success")
    said = " ".join(c.value for c in at.caption)  # the loss chart's text alternative: each model's last loss
    assert all(f"{name} {latex.compact_number(result.models[kind].losses[-1])}" in said
               for kind, name in [("dense", "표준 신경망 (Dense)"), ("rnn", "SimpleRNN (순환 신경망)")]), said
    assert "에포크 2 뒤의 손실" in said
    # the predictions chart's: the series' last held-out value (from the data, not the result) and each model's guess
    series = sequence_data.prepare_data(result.kind, 5).series
    guesses = ", ".join(f"{name} {result.models[kind].predictions[-1]:.2f}"
                        for kind, name in [("dense", "표준 신경망 (Dense)"), ("rnn", "SimpleRNN (순환 신경망)")])
    assert (f"테스트 구간의 마지막 단계(t = {len(series) - 1})에서 실제 값은 {series[-1]:.2f}, 예측은 {guesses}."
            in said), said

    # new settings: the old results stay on screen, marked as from earlier settings
    at.slider(key="sequences_window").set_value(6).run()
    assert "이전 설정" in texts(at, "warning")


def test_the_experiment_shows_its_epochs_live_and_a_settings_change_stops_it(app_test):
    import threading

    from cnnlab import training

    at = app_test("en", PAGE)
    at.slider(key="sequences_epochs").set_value(100).run()
    at.toggle(key="sequences_lstm").set_value(True).run()
    at.button(key="sequences_train").click().run()
    job = at.session_state[keys.SEQUENCES_JOB]
    assert job.active and job.settings.epochs == 100 and job.settings.kinds == ("dense", "rnn", "lstm")
    for _ in range(1200):  # up to 60 s on a loaded machine: a bound, not a speed target
        if job.progress().epoch >= 1:
            break
        threading.Event().wait(0.05)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    live = texts(at, "caption")
    assert "Training Standard network (Dense): epoch" in live or "Training SimpleRNN" in live, live
    assert not at.metric, "no results while it trains"

    at.slider(key="sequences_window").set_value(8).run()  # the experiment that runs is no longer the page's
    assert job.stop_requested
    assert job.wait(30) and job.state == training.STOPPED and job.result is None
    at.run()
    assert not at.exception
    assert "sequences_result" not in at.session_state and not at.metric
    assert "Train the models" in texts(at, "info")

"""Sequential data and RNNs (chapter 10, section 1): order matters, standard vs recurrent network,
a SimpleRNN cell step by step, and a next-value prediction experiment (Dense vs SimpleRNN vs LSTM).

TensorFlow is imported only by the experiment's training, in a worker process: the page renders at once.
"""

import streamlit as st

from cnnlab import rnn_cells, sequence_data
from cnnlab import sequence_experiment as experiment
from components import page_checks, page_paths, rnn_reader_views
from components import sequence_views as views
from components import state_keys as keys
from components.i18n import t
from components.ui import page_header


def shuffle_ui() -> bool:
    return st.toggle(t("sequences.shuffle"), key=keys.SEQUENCES_SHUFFLE, help=t("sequences.shuffle_help"),
                     persist_state="session")


def diagram_ui() -> int:
    return st.slider(t("sequences.diagram_steps"), 3, 8, 4, key=keys.SEQUENCES_DIAGRAM_STEPS, persist_state="session",
                     width=360)


def step_ui() -> views.StepSettings:
    """Which input sequence, how much memory, which time step."""
    # Seeded, not widget defaults: "try this next" writes them (Streamlit warns about a default and a written value).
    st.session_state.setdefault(keys.SEQUENCES_STEP_INPUT, "pulse")
    st.session_state.setdefault(keys.SEQUENCES_MEMORY, 1.0)
    c_input, c_memory, c_step = st.columns(3)
    inputs = c_input.segmented_control(t("sequences.step_input"), rnn_cells.STEP_INPUTS, required=True, format_func=lambda v: t(f"sequences.input_{v}"),
                                       key=keys.SEQUENCES_STEP_INPUT, persist_state="session")
    memory = c_memory.slider(t("sequences.step_memory"), 0.0, 2.0, step=0.25, key=keys.SEQUENCES_MEMORY,
                             help=t("sequences.step_memory_help"), persist_state="session")
    steps = len(rnn_cells.demo_inputs(inputs))
    step_t = c_step.slider(t("sequences.step_t"), 1, steps, 1, key=keys.SEQUENCES_STEP_T, persist_state="session")
    return views.StepSettings(inputs, memory, step_t)


def experiment_ui() -> experiment.ExperimentSettings:
    """The series, whether an LSTM joins, the window length, the units and the epochs."""
    c_series, c_lstm = st.columns([2, 1], vertical_alignment="bottom")
    series = c_series.segmented_control(t("sequences.series"), sequence_data.SERIES_KINDS,
                                        default=experiment.DEFAULT_SERIES, required=True,
                                        format_func=lambda v: t(f"sequences.series_{v}"), key=keys.SEQUENCES_SERIES,
                                        persist_state="session")
    with_lstm = c_lstm.toggle(t("sequences.lstm"), key=keys.SEQUENCES_LSTM, persist_state="session")
    c_window, c_units, c_epochs = st.columns(3)
    window = c_window.slider(t("sequences.window"), 2, 60, experiment.DEFAULT_WINDOW, key=keys.SEQUENCES_WINDOW,
                             bind="query-params", persist_state="session")
    units = c_units.slider(t("sequences.units"), 2, 64, experiment.DEFAULT_UNITS, key=keys.SEQUENCES_UNITS,
                           bind="query-params", persist_state="session")
    epochs = c_epochs.slider(t("sequences.epochs"), 1, 100, experiment.DEFAULT_EPOCHS, key=keys.SEQUENCES_EPOCHS,
                             bind="query-params", persist_state="session")
    kinds = ("dense", "rnn", "lstm") if with_lstm else ("dense", "rnn")
    return experiment.ExperimentSettings(series, window, units, epochs, kinds)


def train_ui(settings: experiment.ExperimentSettings) -> None:
    if st.button(t("sequences.train_button"), type="primary", icon=":material/play_arrow:", key=keys.SEQUENCES_TRAIN):
        views.start_experiment(settings)


def sequences_page() -> None:
    page_header("sequences")
    views.section_heading(1)
    shuffled = shuffle_ui()
    views.sequential_data_view(shuffled)
    rnn_reader_views.spatial_order_link()
    views.section_heading(2)
    views.networks_view(diagram_ui())
    views.section_heading(3)
    step = step_ui()
    views.step_through_view(step)
    views.section_heading(4)
    settings = experiment_ui()
    views.experiment_summary_view(settings)
    train_ui(settings)
    views.experiment_view(settings)
    views.experiment_code_view(settings)
    page_checks.sequences(step.memory, step.t, settings)
    page_paths.sequences(step.memory, shuffled, settings)


sequences_page()

"""Every st.session_state key the app uses, in one place, named after what it holds.

Widget keys that only one page reads may stay on that page as long as they are
prefixed with the page name ("conv_filters"); anything read by more than one page,
or written by code rather than a widget, is declared here.
"""

from dataclasses import dataclass

# The UI language, "ko" or "en" (written by the language picker in app.py).
LANG = "lang"

# The MNIST this session explores and trains on (a cnnlab.data.MnistData), pinned at first use so a
# server-wide switch to full MNIST never changes a session's data under it (components.resources.mnist).
MNIST_DATA = "mnist_data"

# Presentation mode for a projector, True or False (the sidebar toggle in app.py; ?present=1 in the URL).
PRESENT = "present"

# True for the one run that turns presentation mode on: that run folds the sidebar (components.presentation).
PRESENT_FOLD_PENDING = "present_fold_sidebar"

# The user's own trained model and where it came from: a components.active_model.TrainedModel.
TRAINED_MODEL = "trained_model"

# The last digit drawn on the Draw page, as the 28x28 float32 image the model sees;
# the digit picker (components.digit_picker) offers it on the Conv2D, MaxPooling2D and Network pages.
LAST_DRAWN_DIGIT = "last_drawn_digit"


@dataclass(frozen=True)
class DigitPickerKeys:
    """One page's digit picker (components.digit_picker): where its digit comes from ("drawn" or "test",
    seeded by the picker) and the test digit's number."""

    source: str
    index: str


CONV_DIGIT = DigitPickerKeys("conv_digit_source", "conv_digit")
POOLING_DIGIT = DigitPickerKeys("pooling_digit_source", "pooling_digit")
NETWORK_DIGIT = DigitPickerKeys("network_source", "network_test_index")


@dataclass(frozen=True)
class StepViewKeys:
    """One explorer's linked step view (components.window_views): the output cell shown (the slider, also
    written by a click and by play), whether it plays, when play last moved it (a monotonic time, written by
    code), and the charts of the input window and of the clickable output (its selection)."""

    cell: str
    play: str
    tick: str
    window_chart: str
    output_chart: str


CONV_STEP = StepViewKeys("conv_step_cell", "conv_step_play", "conv_step_tick", "conv_step_window", "conv_step_output")
POOLING_STEP = StepViewKeys("pooling_step_cell", "pooling_step_play", "pooling_step_tick", "pooling_step_window",
                            "pooling_step_output")

# The open tab of each explorer (its label; code re-selects it in the new language when the language changes).
CONV_TAB = "conv_tab"
POOLING_TAB = "pooling_tab"

# The Conv2D explorer's kernel size: one slider when square, two otherwise; switching carries the size across.
CONV_KERNEL, CONV_KERNEL_H, CONV_KERNEL_W = "conv_kernel", "conv_kernel_h", "conv_kernel_w"
# The seed of its random kernels (the "new random kernels" button adds one), and its last check against
# TensorFlow: (the cnnlab.conv_ops.ConvSettings checked, the cnnlab.keras_check result).
CONV_KERNEL_SEED = "conv_seed"
CONV_VERIFIED = "conv_verified"

# The MaxPooling2D explorer's matrix as cell texts (a list of rows), and its data editor's own state
# (dropped whenever the matrix is replaced).
POOLING_MATRIX, POOLING_EDITOR = "pooling_matrix", "pooling_editor"
# Its controls, which start at the chapter's example and which "use the chapter's settings" resets.
POOLING_ROWS, POOLING_COLS = "pooling_rows", "pooling_cols"
POOLING_POOL_H, POOLING_POOL_W = "pooling_pool_h", "pooling_pool_w"
POOLING_DEFAULT_STRIDES = "pooling_default_strides"
POOLING_STRIDE_H, POOLING_STRIDE_W = "pooling_stride_h", "pooling_stride_w"
POOLING_PADDING = "pooling_padding"

# The Network page's traced cell (its layer position, map, row and column; also written by a click on a
# map and clamped to the model's shapes by code), and its two clickable charts (their selections).
NETWORK_LAYER = "network_layer"
NETWORK_MAP = "network_map"
NETWORK_ROW = "network_row"
NETWORK_COL = "network_col"
NETWORK_OVERVIEW_CHART = "network_overview"
NETWORK_MAP_CHART = "network_map_chart"

# The Draw page's latest reading: (what was read, by which model, its Reading), reused while neither changes.
DRAW_READING = "draw_reading"

# The layer stack the Model page edits and the Train page trains: a tuple of
# cnnlab.architecture.LayerSpec (starts as the chapter's model).
MODEL_SPEC = "model_spec"

# The session's latest background training: a cnnlab.training.TrainingJob (running or finished).
TRAINING_JOB = "training_job"

# The UI's record of that job (the model to give back if it never trains, the published model, figures
# built for it): a components.training_views.TrainingRun.
TRAINING_RUN = "training_run"

# The sequences page's latest experiment job: a cnnlab.training.SequencesJob (running or finished).
SEQUENCES_JOB = "sequences_job"

# The sequences page's last finished experiment: a cnnlab.sequence_experiment.ExperimentResult (taken from
# its job once the job is done; kept when a later job is stopped or fails).
SEQUENCES_RESULT = "sequences_result"

# This browser's anonymous learner id, 32 hex digits (components.learner): the key of everything it saves.
LEARNER_ID = "learner_id"

# True until the browser has confirmed the learner id in its cookie (components.learner).
LEARNER_COOKIE_PENDING = "learner_cookie_pending"

# True when the browser's cookie must be replaced by the session's id ("forget me").
LEARNER_REPLACE_COOKIE = "learner_replace_cookie"

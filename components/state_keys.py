"""Every key the app gives Streamlit, in one place, named after what it holds: st.session_state's keys and the
`key=` of every widget, chart, container and tab (tests/unit/test_structure.py checks that no other module
writes one in place).

Fixed keys are constants; keys built from values are small functions. One section per page, in the
chapter's order, after the keys the whole app shares. A key's string is its name in the page's HTML
(`.st-key-<key>`, which the browser tests select) and, for widgets bound to the URL (`bind="query-params"`:
?conv_filters=3), its URL parameter: links and persisted widget values depend on these strings, so a
key is renamed in Python only, never in its string.
"""

from dataclasses import dataclass

# ------------------------------------------------------------------ the whole app


def notebook_download(page: str) -> str:
    """The page's "take it home" button: its settings as a Jupyter notebook (components.notebook_views)."""
    return f"notebook_download_{page}"

# The UI language, "ko" or "en" (written by the language picker in app.py).
LANG = "lang"

# The MNIST this session explores and trains on (a cnnlab.data.MnistData), pinned at first use so a
# server-wide switch to full MNIST never changes a session's data under it (components.resources.mnist).
MNIST_DATA = "mnist_data"

# Presentation mode for a projector, True or False (the sidebar toggle in app.py; ?present=1 in the URL).
PRESENT = "present"

# True for the one run that turns presentation mode on: that run folds the sidebar (components.presentation).
PRESENT_FOLD_PENDING = "present_fold_sidebar"

# The page the session ran last (components.presentation.page_opened: a new page folds the sidebar again), and
# the presentation mode's ◀ ▶ links at the top of every page.
PRESENT_PAGE = "present_page"
PRESENT_NAV = "present_nav"

# The session's copy of the learner's active saved model (or a test's model): a components.active_model.TrainedModel,
# used while its saved_id is the store's choice for the learner.
TRAINED_MODEL = "trained_model"

# The last digit drawn on the Draw page, as the 28x28 float32 image the model sees;
# the digit picker (components.digit_picker) offers it on the Conv2D, MaxPooling2D and Network pages.
LAST_DRAWN_DIGIT = "last_drawn_digit"

# This browser's anonymous learner id, 32 hex digits (components.learner): the key of everything it saves.
LEARNER_ID = "learner_id"

# True until the browser has confirmed the learner id in its cookie (components.learner).
LEARNER_COOKIE_PENDING = "learner_cookie_pending"

# True when the browser's cookie must be replaced by the session's id ("forget me").
LEARNER_REPLACE_COOKIE = "learner_replace_cookie"


def learner_cookie(proposed: str) -> str:
    """The cookie component proposing the learner id `proposed`: a key per proposal, so no answer about an
    earlier id is read."""
    return f"learner_cookie_{proposed}"


# ------------------------------------------------------------------ the learner's saved work (components.saved_work)

# A note the next run shows once, after a rerun that saved or deleted something: (kind, text), kind "success"
# or "error".
STORE_NOTICE = "store_notice"

# "Forget me" in the sidebar, whether its confirmation is open (True from the click until confirmed, cancelled or
# dismissed), and the confirmation's buttons.
FORGET_ME = "forget_me"
FORGET_ASKING = "forget_asking"
# The sidebar's "your saved work" (an expander, read from the store only while open).
SAVED_WORK_PANEL = "saved_work_panel"
FORGET_CONFIRM = "forget_confirm"
FORGET_CANCEL = "forget_cancel"
# ------------------------------------------------------------------ questions, the chapter path, progress (every page)

# The learner's answers to the pages' questions: {question id: components.checks.Answered} (the question's
# fingerprint, the text given and its cnnlab.questions.Verdict); an answer counts for the question it answered.
CHECKS_ANSWERED = "checks_answered"

# An answer that could not be read, per question id: the AnswerFormatError's reason (shown over its form).
CHECKS_UNREAD = "checks_unread"

# True after an answer given inside a fragment: the app reruns once so the sidebar's progress follows.
CHECKS_REFRESH = "checks_refresh"


def checks_box(page: str) -> str:
    """The expander of a page's questions (True: open; its questions are built only then)."""
    return f"checks_{page}"


def check_form(question_id: str, fingerprint: str) -> str:
    """One question's form: a changed question (other settings, another fingerprint) gets a fresh form."""
    return f"check_form_{question_id}_{fingerprint}"


def check_input(question_id: str, fingerprint: str) -> str:
    """The answer's input (a text box, or the choices) in that form."""
    return f"check_input_{question_id}_{fingerprint}"


# The session's copy of what the learner has done, read from the store once (components.progress):
# {"learner": its id, "visited": [page names], "answers": {question id: {"page", "correct"}}}.
PROGRESS = "progress"
PROGRESS_RESET = "progress_reset"


def path_box(page: str) -> str:
    """The chapter path's box at the bottom of a page (summary, suggestions, previous and next)."""
    return f"path_{page}"


def path_suggestion(page: str, index: int) -> str:
    """The button of the page's suggestion `index` ("try this next")."""
    return f"path_try_{page}_{index}"


# ------------------------------------------------------------------ pieces that several pages use

def number_box_note(box_key: str) -> str:
    """(typed, used) when the number box `box_key` clamped what the user typed (components.number_box)."""
    return f"{box_key}__clamped"


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
    code), the charts of the input window and of the clickable output (its selection), and the output cell's
    row and column boxes (the keyboard's way to the same cell, kept in step with the slider)."""

    cell: str
    play: str
    tick: str
    window_chart: str
    output_chart: str
    row: str
    col: str


CONV_STEP = StepViewKeys("conv_step_cell", "conv_step_play", "conv_step_tick", "conv_step_window", "conv_step_output",
                         "conv_step_row", "conv_step_col")
POOLING_STEP = StepViewKeys("pooling_step_cell", "pooling_step_play", "pooling_step_tick", "pooling_step_window",
                            "pooling_step_output", "pooling_step_row", "pooling_step_col")

# ------------------------------------------------------------------ Sequences

# The page's latest experiment job: a cnnlab.training.SequencesJob (running or finished).
SEQUENCES_JOB = "sequences_job"

# Its last finished experiment: a cnnlab.sequence_experiment.ExperimentResult (taken from its job once the job
# is done; kept when a later job is stopped or fails).
SEQUENCES_RESULT = "sequences_result"

# Its widgets: the data shuffled or not, the diagrams' length, the RNN step-through's input, memory and step,
# the experiment's series, LSTM or not, window, units and epochs (the last three bound to the URL), its button.
SEQUENCES_SHUFFLE = "sequences_shuffle"
SEQUENCES_DIAGRAM_STEPS = "sequences_diagram_steps"
SEQUENCES_STEP_INPUT = "sequences_step_input"
SEQUENCES_MEMORY = "sequences_memory"
SEQUENCES_STEP_T = "sequences_step_t"
SEQUENCES_SERIES = "sequences_series"
SEQUENCES_LSTM = "sequences_lstm"
SEQUENCES_WINDOW = "sequences_window"
SEQUENCES_UNITS = "sequences_units"
SEQUENCES_EPOCHS = "sequences_epochs"
SEQUENCES_TRAIN = "sequences_train"

# Its charts: the sequential data (stock, text, audio), the two networks (feedforward, RNN), the step-through's
# inputs and hidden states, the experiment's preview, its loss (live and finished) and its predictions.
SEQUENCES_STOCK_CHART = "sequences_stock"
SEQUENCES_TEXT_CHART = "sequences_text"
SEQUENCES_AUDIO_CHART = "sequences_audio"
SEQUENCES_FEEDFORWARD_CHART = "sequences_ff"
SEQUENCES_RNN_CHART = "sequences_rnn"
SEQUENCES_INPUTS_CHART = "sequences_inputs"
SEQUENCES_HIDDEN_CHART = "sequences_hidden"
SEQUENCES_PREVIEW_CHART = "sequences_preview"
SEQUENCES_LIVE_LOSS_CHART = "sequences_live_loss"
SEQUENCES_LOSS_CHART = "sequences_loss"
SEQUENCES_PREDICTIONS_CHART = "sequences_predictions"

# ------------------------------------------------------------------ Conv2D

# The open tab (its label; code re-selects it in the new language when the language changes).
CONV_TAB = "conv_tab"

# The layer's arguments, all but the activation bound to the URL.
CONV_BATCH = "conv_batch"
CONV_CHANNELS = "conv_channels"
CONV_HEIGHT = "conv_height"
CONV_WIDTH = "conv_width"
CONV_FILTERS = "conv_filters"
CONV_STRIDES = "conv_strides"
CONV_PADDING = "conv_padding"
CONV_DILATION = "conv_dilation"
CONV_ACTIVATION = "conv_activation"

# The kernel size: one slider when square (bound to the URL), two otherwise; switching carries the size across.
CONV_SQUARE = "conv_square"
CONV_KERNEL, CONV_KERNEL_H, CONV_KERNEL_W = "conv_kernel", "conv_kernel_h", "conv_kernel_w"

# Where the pictures' kernels come from and the seed of the random ones (the reroll button adds one); the
# verify button and its last check against TensorFlow: (the cnnlab.conv_ops.ConvSettings checked, the
# cnnlab.keras_check result).
CONV_KERNEL_SOURCE = "conv_kernel_source"
CONV_REROLL = "conv_reroll"
CONV_KERNEL_SEED = "conv_seed"
CONV_VERIFY = "conv_verify"
CONV_VERIFIED = "conv_verified"

# The step-through's input (a small grid or a crop of the digit) and the filter it follows.
CONV_STEP_INPUT = "conv_step_input"
CONV_STEP_FILTER = "conv_step_filter"

# Its charts: the digit, the kernels beside their feature maps, the step-through's kernel and products.
CONV_DIGIT_CHART = "conv_digit_fig"
CONV_MAPS_CHART = "conv_maps_fig"
CONV_STEP_KERNEL_CHART = "conv_step_kernel"
CONV_STEP_PRODUCTS_CHART = "conv_step_products"

# ------------------------------------------------------------------ MaxPooling2D

# The open tab, as on the Conv2D page.
POOLING_TAB = "pooling_tab"

# The explorer's matrix as cell texts (a list of rows), and its data editor's own state
# (dropped whenever the matrix is replaced).
POOLING_MATRIX, POOLING_EDITOR = "pooling_matrix", "pooling_editor"
# Its controls, which start at the chapter's example and which "use the chapter's settings" (the button) resets.
POOLING_ROWS, POOLING_COLS = "pooling_rows", "pooling_cols"
POOLING_POOL_H, POOLING_POOL_W = "pooling_pool_h", "pooling_pool_w"
POOLING_DEFAULT_STRIDES = "pooling_default_strides"
POOLING_STRIDE_H, POOLING_STRIDE_W = "pooling_stride_h", "pooling_stride_w"
POOLING_PADDING = "pooling_padding"
POOLING_USE_CHAPTER = "pooling_chapter"

# The classic kernel that makes the real feature map, and the charts: the padded input and the pooled output
# of the matrix, the feature map before and after pooling.
POOLING_KERNEL = "pooling_kernel"
POOLING_INPUT_CHART = "pooling_in_fig"
POOLING_OUTPUT_CHART = "pooling_out_fig"
POOLING_BEFORE_CHART = "pooling_before"
POOLING_AFTER_CHART = "pooling_after"

# ------------------------------------------------------------------ Model

# The layer stack the Model page edits and the Train page trains: a tuple of
# cnnlab.layers.LayerSpec (starts as the chapter's model).
MODEL_SPEC = "model_spec"

MODEL_RESET = "model_reset"
# "Add a layer": its kind and where (after which layer, -1: at the top), seeded by code, and its button.
MODEL_ADD_KIND = "model_add_kind"
MODEL_ADD_POSITION = "model_add_position"
MODEL_ADD = "model_add"


def model_layer_row(uid: int) -> str:
    """The editor's bordered row of the layer with this uid."""
    return f"model_row_{uid}"


def model_layer_widget(uid: int, name: str) -> str:
    """A widget in the row of the layer with this uid: a setting ("filters") or a button ("up", "down",
    "delete"). The uid, never reused in a session, keeps a widget with its layer when the layer moves."""
    return f"model_{uid}_{name}"


# ------------------------------------------------------------------ Train

# The session's latest background training: a cnnlab.training.TrainingJob (running or finished).
TRAINING_JOB = "training_job"

# The UI's record of that job (the model to give back if it never trains, the published model, figures
# built for it): a components.training_views.TrainingRun.
TRAINING_RUN = "training_run"

# The training settings, Start and Stop, and the trained model's download.
TRAIN_EPOCHS = "train_epochs"
TRAIN_BATCH_SIZE = "train_batch"
TRAIN_OPTIMIZER = "train_optimizer"
TRAIN_LEARNING_RATE = "train_lr"  # also written by code: a new optimizer brings its own default rate
TRAIN_FRACTION = "train_fraction"
TRAIN_VALIDATION = "train_validation"
TRAIN_START = "train_start"
TRAIN_STOP = "train_stop"
TRAIN_DOWNLOAD = "train_download"
# Presentation mode's watchable pace: its button, and the settings it chose (a recipe.TrainConfig: the page says
# so while the settings are still those).
TRAIN_WATCH_PACE_BUTTON = "train_watch_pace"
TRAIN_WATCH_PACE = "train_watch_pace_chosen"

# The learner's saved models: the one whose results the page shows (its id; None: the latest training's), and
# each model's buttons (use it, show its results, delete it); "use the shipped model"; a training lost with its
# server: keep its last epoch, or dismiss it.
TRAIN_SHOWN_MODEL = "train_shown_model"
TRAIN_USE_SHIPPED = "train_use_shipped"
TRAIN_KEEP_CHECKPOINT = "train_keep_checkpoint"
TRAIN_DISMISS_LOST = "train_dismiss_lost"


def train_saved_model(model_id: int, action: str) -> str:
    """A button of the saved model `model_id`: action "use", "show" or "delete"."""
    return f"train_saved_{model_id}_{action}"


# Its charts: the live loss and accuracy, the watch view (first filters, one digit's maps, a stream of test
# digits), and the results (confusion matrix, accuracy per digit, mistakes).
TRAIN_HISTORY_CHART = "train_chart"
TRAIN_WATCH_FILTERS_CHART = "train_watch_filters"
TRAIN_WATCH_MAPS_CHART = "train_watch_maps"
TRAIN_WATCH_STREAM_CHART = "train_watch_stream"
TRAIN_CONFUSION_CHART = "train_confusion"
TRAIN_PER_CLASS_CHART = "train_per_class"
TRAIN_MISTAKES_CHART = "train_mistakes"

# ------------------------------------------------------------------ Draw

# The page's latest reading: (what was read, by which model, its Reading), reused while neither changes.
DRAW_READING = "draw_reading"

DRAW_STROKE_WIDTH = "draw_stroke_width"
DRAW_CLEAR = "draw_clear"
DRAW_UPLOAD = "draw_upload"
DRAW_SHOW_STEPS = "draw_show_steps"
# The open tab of "inside the network" (one tab per layer).
DRAW_LAYER_TAB = "draw_layer_tab"

# How often the canvas was cleared: part of the canvas's key, so Clear mounts a fresh, empty canvas.
DRAW_CANVAS_CLEARS = "draw_canvas_clear_count"
# The canvas' companion component (components/canvas_tuning.js).
DRAW_CANVAS_TUNING = "draw_canvas_tuning"
# Containers (CSS classes st-key-...): the canvas-and-results row, and the one-line reading right under the
# canvas, shown only while the results have wrapped below the canvas (a phone or a tablet).
DRAW_ROW = "draw_row"
DRAW_QUICK_READING = "draw_quick_reading"


def draw_canvas(clears: int) -> str:
    """The digit canvas after `clears` Clears."""
    return f"draw_canvas_{clears}"


# Saving the drawing: its button, and the digit the learner meant (a widget per drawing, so each new drawing
# starts at the model's reading); a saved drawing's delete button.
DRAW_SAVE = "draw_save"
# The saved drawings' gallery (an expander, built only while open).
DRAW_SAVED_GALLERY = "draw_saved_gallery"


def draw_meant_digit(drawing: str) -> str:
    """The "digit I meant" picker of one drawing (`drawing`: a short digest of its PNG)."""
    return f"draw_meant_{drawing}"


def draw_saved_delete(drawing_id: int) -> str:
    return f"draw_saved_{drawing_id}_delete"


# The charts: the 28x28 input the model sees and its probabilities.
DRAW_INPUT_CHART = "draw_input_view"
DRAW_PROBABILITIES_CHART = "draw_probabilities"


def draw_step_chart(index: int) -> str:
    """The preprocessing step `index` (0: the ink ... 3: centred), under "show the steps"."""
    return f"draw_step_{index}"


def draw_maps_chart(layer_index: int) -> str:
    """The feature maps of the model's layer `layer_index`."""
    return f"draw_maps_{layer_index}"


def draw_dense_chart(layer_index: int) -> str:
    """The unit activations of the model's Dense layer `layer_index`."""
    return f"draw_dense_{layer_index}"


# ------------------------------------------------------------------ Network

# The page's traced cell (its layer position, map, row and column; also written by a click on a map and
# clamped to the model's shapes by code), and its two clickable charts (their selections).
NETWORK_LAYER = "network_layer"
NETWORK_MAP = "network_map"
NETWORK_ROW = "network_row"
NETWORK_COL = "network_col"
NETWORK_OVERVIEW_CHART = "network_overview"
NETWORK_MAP_CHART = "network_map_chart"

# The layer before with the traced cell's window, and each input channel's share of the sum.
NETWORK_PREVIOUS_CHART = "network_previous"
NETWORK_CHANNEL_SUMS_CHART = "network_channel_sums"
# The traced cell's part of the page (its map, the window it reads, its arithmetic): scrolled into view after
# a click on the overview. NETWORK_CLICKS counts those clicks; NETWORK_SCROLL_TO_TRACE holds the count for the
# one run right after a click (its scroll script, new text for each click, so the browser runs it once).
NETWORK_TRACE = "network_trace"
NETWORK_CLICKS = "network_overview_clicks"
NETWORK_SCROLL_TO_TRACE = "network_scroll_to_trace"


def network_grid_chart(index: int) -> str:
    """The traced cell's arithmetic on one input channel: 0 the window's values, 1 the kernel, 2 the products."""
    return f"network_grid_{index}"


# ------------------------------------------------------------------ the recurrent family (Model, Train, Draw)

# Which family the Model page edits, "cnn" or "rnn" (a segmented control; Train has its own, same callback),
# and each family's last stack, kept while the other family is edited: {family: tuple of LayerSpec}.
MODEL_FAMILY = "model_family"
TRAIN_FAMILY = "train_family"
MODEL_FAMILY_STACKS = "model_family_stacks"
# Whether the recurrent stack reads the image's columns (a Permute((2, 1)) after its Reshape) instead of rows.
MODEL_READ_COLUMNS = "model_read_columns"

# The learner's own finished trainings' numbers per family, for the CNN-vs-RNN comparison:
# {family: (the evaluation it came from, cnnlab.family_comparison.FamilyNumbers)}.
FAMILY_RESULTS = "family_results"

# Draw's "watch the RNN read": its latest reading (the image read, by which model, its RowReading), reused
# while neither changes; the row whose step is written out with its numbers; the section and its charts.
RNN_READING = "rnn_reading"
RNN_STEP_ROW = "rnn_step_row"
RNN_SECTION = "rnn_reader"
RNN_WATCH_CHART = "rnn_watch"
RNN_STEP_INPUT_CHART = "rnn_step_input"
RNN_COMPARE_CHART = "rnn_compare_per_digit"
# The Draw page's RNN section: its play-through and worked step, and its CNN-vs-RNN numbers, each in an expander
# (open: True) whose content is built only while open.
RNN_WATCH_PANEL = "rnn_watch_panel"
RNN_COMPARE_PANEL = "rnn_compare_panel"
# The same comparison under Train's results.
TRAIN_COMPARE_CHART = "train_compare_per_digit"


# ------------------------------------------------------------------ classes: the student's side (components.class_views)

# The sidebar's "your class" panel (an expander built only while open) and its join form.
CLASS_PANEL = "class_panel"
CLASS_CODE_INPUT = "class_code"
CLASS_NICKNAME_INPUT = "class_nickname"
CLASS_JOIN = "class_join"
CLASS_LEAVE = "class_leave"
# Draw's "send to my class: this was a 7".
CLASS_SEND = "class_send"
# True: this session's Draw and Network use the class's model (a toggle shown to members of a class that has
# one); and the class model the session loaded: (model id, components.active_model.TrainedModel).
CLASS_USE_MODEL = "class_use_model"
CLASS_MODEL = "class_model"

# ------------------------------------------------------------------ Teacher (components.teacher_views)

# The class this session's teacher key opened, (id, join code) (never in a URL), and a new class's
# (id, code, key), shown once.
TEACHER_CLASS = "teacher_class"
TEACHER_NEW_KEY = "teacher_new_key"
TEACHER_NEW_KEY_KEPT = "teacher_new_key_kept"
TEACHER_NEW_KEY_DOWNLOAD = "teacher_new_key_download"
# Sign in and create: the two forms and their fields.
TEACHER_OPEN_FORM = "teacher_open_form"
TEACHER_CODE_INPUT = "teacher_code"
TEACHER_KEY_INPUT = "teacher_key"
TEACHER_OPEN = "teacher_open"
TEACHER_CREATE_FORM = "teacher_create_form"
TEACHER_NAME_INPUT = "teacher_class_name"
TEACHER_CREATE = "teacher_create"
TEACHER_SIGN_OUT = "teacher_sign_out"
# The class view's first row (join code, counts, model, close).
TEACHER_HEADER = "teacher_header"
# The class view: the version it was built from (the live check compares), the model that reads the
# drawings ("cnn", "rnn", "class"), the confusion chart and the cell whose drawings are shown.
TEACHER_BUILT_VERSION = "teacher_built_version"
TEACHER_READINGS = "teacher_readings"  # (class id, version, model, ClassData): reused while unchanged
TEACHER_QUESTIONS = "teacher_questions"  # (class id, last answer id, members, stats): reused while unchanged
TEACHER_MODEL = "teacher_model"
TEACHER_CONFUSION_CHART = "teacher_confusion"
TEACHER_CELL_MEANT = "teacher_cell_meant"
TEACHER_CELL_READ = "teacher_cell_read"
# Fine-tune: the job, and the model id its result was saved as ({job id: model id}).
TEACHER_FINE_TUNE_JOB = "teacher_fine_tune_job"
TEACHER_FINE_TUNE_START = "teacher_fine_tune_start"
TEACHER_FINE_TUNE_SAVED = "teacher_fine_tune_saved"
TEACHER_MAKE_CLASS_MODEL = "teacher_make_class_model"
TEACHER_SHIPPED_MODEL = "teacher_shipped_model"
# The data: export, delete a student's drawings, delete the class (asked first).
TEACHER_EXPORT = "teacher_export"
TEACHER_STUDENT_PICK = "teacher_student_pick"
TEACHER_DELETE_STUDENT = "teacher_delete_student"
TEACHER_DELETE_CLASS = "teacher_delete_class"
TEACHER_DELETE_ASKING = "teacher_delete_asking"
TEACHER_DELETE_CONFIRM = "teacher_delete_confirm"
TEACHER_DELETE_CANCEL = "teacher_delete_cancel"


def teacher_delete_drawing(drawing_id: int) -> str:
    """The delete button under one of a confusion cell's drawings."""
    return f"teacher_delete_drawing_{drawing_id}"

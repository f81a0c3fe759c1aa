"""Every st.session_state key the app uses, in one place, named after what it holds.

Widget keys that only one page reads may stay on that page as long as they are
prefixed with the page name ("conv_filters"); anything read by more than one page,
or written by code rather than a widget, is declared here.
"""

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
# the Conv2D and pooling explorers offer it as an input.
LAST_DRAWN_DIGIT = "last_drawn_digit"

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

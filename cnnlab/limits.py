"""Every bound on what one browser can make the server do: the value, and why it is that value.

Rule: nothing a browser sends (a canvas image, an upload, a URL parameter, a widget value) and nothing
it asks for (a check with Keras, a training) costs the server more than a bound written here, and each
bound is checked before the memory or the time is spent. A refused request gets a message that says
what to change; the page keeps working. The modules that enforce a bound import it from here.

The reference machine is the one the brief names: a 2-core server holding a class of 30, one
training slot (cnnlab.threads), about 1.5 GB for the app and its training worker.

The second part is what one learner may keep in the store: the UI states each count ("3 of 10") and
cnnlab.store checks it before it writes (a write past a size is refused whole, a save past a count makes
room by deleting the learner's oldest item of that kind).
"""

from __future__ import annotations

# ---------------------------------------------------------------- the drawing canvas

# The canvas is 280×280 CSS px (components.canvas.CANVAS_SIZE). streamlit-drawable-canvas 0.13 sends
# Fabric's toDataURL({format: "png", multiplier: 1}): the canvas's own size whatever the screen's pixel
# ratio. Measured in Chromium at device_scale_factor 1, 1.5, 2 and 3: always a 280×280 8-bit RGBA PNG
# (tests/browser/test_canvas.py checks it). Anything else did not come from our canvas: refused.
CANVAS_SIDE = 280
CANVAS_PNG_SIZES = frozenset({(CANVAS_SIDE, CANVAS_SIDE)})  # (width, height) accepted
CANVAS_PNG_MODE = "RGBA"
# A 280×280 RGBA PNG stored without any compression is 280 × (280 × 4 + 1) = 313,880 bytes of pixels
# plus a few chunk headers; as base64 in a data URL that is under 420,000 characters. Twice that
# leaves room for any encoder; a longer value is refused before it is decoded.
CANVAS_DATA_URL_MAX_CHARS = 840_000

# ---------------------------------------------------------------- uploads (Draw page)

# An upload is decoded once and shrunk to 1024 px (cnnlab.preprocess); 25 megapixels (a 5000×5000
# photo, 100 MB as RGBA) is far above any phone photo of a digit and still fits beside a class.
# The size is read from the file's header before anything is decoded.
UPLOAD_MAX_PIXELS = 25_000_000
# Bytes per uploaded file, in MB: a 25-megapixel JPEG is under 20 MB. Streamlit's own upload endpoint
# enforces server.maxUploadSize (.streamlit/config.toml, the same value: tests/unit/test_limits.py);
# the widget is given it too, so the browser says so before sending.
UPLOAD_MAX_MB = 20
# A file name is shown as plain text, at most this many characters (then "…").
SHOWN_NAME_MAX_CHARS = 80

# ---------------------------------------------------------------- the explorers

# Conv2D explorer, "Verify with TensorFlow": the input shape is settable up to 256×512×512×64 from the URL
# (a 16 GB tensor). The check runs the real layer on batch 1 and a crop of at most this many cells a
# side (more only when the kernel's span needs it, and always with the input's remainder modulo the
# stride, so 'same' padding splits and 'valid' drops cells as on the full input), with every channel
# and filter: the numbers are compared there, and Keras' output shape for the full input is
# computed symbolically (no tensor). Worst case: 1×55×55×64 in, 64 filters of 11×11.
VERIFY_MAX_SIDE = 32
VERIFY_BATCH = 1
# Pooling explorer: the editable matrix is at most this many rows and columns (its number inputs),
# and a cell's text at most this many characters before it is refused as "not a number".
POOL_MATRIX_MAX_SIDE = 12
CELL_TEXT_MAX_CHARS = 40

# ---------------------------------------------------------------- trainings

# Parameters of a Model-page stack: its weights and Adam's two moments must fit beside a class
# (3 M parameters: 36 MB per copy, a few copies per training).
MAX_PARAMS = 3_000_000
# Compute one training may ask for, in floating-point operations (a multiply-add counts 2): forward
# FLOPs per image (cnnlab.layers) × 3 (forward and backward) × images trained per epoch × epochs, plus
# a forward pass over the validation images each epoch and over the test images at the end
# (cnnlab.recipe.training_cost). One training slot's TensorFlow thread does about 30 GFLOP/s on small
# layers like the chapter's and up to about 180 on large convolutions (the reference server), so 25
# TFLOP is at most about 14 minutes of the class's only slot. It fits the chapter's CNN at the Train
# page's largest settings on the bundled digits (2.7 TFLOP) and on the full 60,000 (20.4 TFLOP); a
# 2.4 M-parameter stack of 256 11×11 and 256 6×6 'same' Conv2Ds at 20 epochs asks for about 1,800
# TFLOP and is refused, with what to shrink.
TRAINING_BUDGET_FLOPS = 25e12
# The rate above for layers like the chapter's: what a training's estimated duration is worked out with.
TRAINING_FLOPS_PER_SECOND = 30e9
# Wall time one job may run once it holds a slot (queue time not counted). At the limit it ends as
# Stop ends it: after the current batch, the model keeps what it learned and is evaluated (the
# Sequences experiment ends without a result). Longer than the budget's ~14 minutes, for a loaded
# server that trains slower than the reference; nobody waits behind one student's job for longer.
JOB_WALL_TIME_S = 20 * 60

# ---------------------------------------------------------------- what one learner keeps (the store)

# What one learner keeps (oldest first out when a new one comes in).
MAX_SAVED_MODELS = 10
MAX_SAVED_DRAWINGS = 60
MAX_ANSWERS = 2_000  # questions answered, all pages together

# Sizes checked before a write.
MAX_MODEL_BYTES = 16 * 1024 * 1024  # weights and results of one saved model (MAX_PARAMS float32 fit)
MAX_DRAWING_PNG_BYTES = 512 * 1024  # the canvas' PNG (a 280x280 RGBA drawing is far smaller)
MAX_NAME_CHARS = 120  # a saved model's name
MAX_PAGE_CHARS = 40  # a page's name in progress records
MAX_QUESTION_ID_CHARS = 80
MAX_ANSWER_CHARS = 2_000

# A learner's training after its last tab has gone: kept this long for a reload or another tab to reattach.
ABANDON_AFTER_S = 60.0

# ---------------------------------------------------------------- classes (cnnlab.store_classes)

# A class's join code: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31^6 ≈ 8.9e8
# codes. A code only lets a learner join (and send drawings); it reads nothing. Wrong codes cost the
# same backoff as wrong teacher keys, so guessing a code in use is slow.
CLASS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CLASS_CODE_CHARS = 6
CLASS_NAME_MAX_CHARS = 60
NICKNAME_MAX_CHARS = 24
# The teacher key: 16 random bytes as 22 URL-safe characters (shown once; only its scrypt hash is kept).
TEACHER_KEY_BYTES = 16
TEACHER_KEY_MAX_CHARS = 64  # longer input is refused before it is hashed
# A wrong key or code: that learner's next try is refused for 1 s, then 2, 4... up to 30 s (in memory, per
# process: no session's thread sleeps for it).
KEY_BACKOFF_FIRST_S = 1.0
KEY_BACKOFF_MAX_S = 30.0
# Classes one learner (a teacher's browser) may create per hour.
CLASSES_PER_LEARNER_PER_HOUR = 5
# A class's members, and what one student may send: a gallery of a class of 30 stays readable and a
# student cannot flood it (the UI says the numbers).
CLASS_MAX_MEMBERS = 200
CLASS_DRAWINGS_PER_MINUTE = 6  # per student, the last 60 s
CLASS_DRAWINGS_PER_STUDENT = 40  # per student and class
CLASS_MAX_DRAWINGS = 2_000  # per class
# A class with no activity (no join, drawing, teacher sign-in or fine-tune) for this many days is deleted,
# with everything in it; $CNNLAB_CLASS_RETENTION_DAYS changes it (cnnlab.store_classes.retention_days).
CLASS_RETENTION_DAYS = 30
RETENTION_CHECK_S = 3600.0  # a process looks for expired classes at start and at most this often
# The gallery shows at most this many drawings per digit (the confusion matrix and counts use all of them).
CLASS_GALLERY_PER_DIGIT = 24

"""The app's limits in one place: what one learner may keep, and how large each thing may be.

Every number here is a rule the UI states to the learner (the counts show "3 of 10") and the store
checks before it writes (cnnlab.store): a write past a size is refused whole, a save past a count makes
room by deleting the learner's oldest item of that kind.
"""

from __future__ import annotations

# What one learner keeps (oldest first out when a new one comes in).
MAX_SAVED_MODELS = 10
MAX_SAVED_DRAWINGS = 60
MAX_ANSWERS = 2_000  # questions answered, all pages together

# Sizes checked before a write.
MAX_MODEL_BYTES = 16 * 1024 * 1024  # weights and results of one saved model (architecture.MAX_PARAMS float32 fit)
MAX_DRAWING_PNG_BYTES = 512 * 1024  # the canvas' PNG (a 280x280 RGBA drawing is far smaller)
MAX_NAME_CHARS = 120  # a saved model's name
MAX_PAGE_CHARS = 40  # a page's name in progress records
MAX_QUESTION_ID_CHARS = 80
MAX_ANSWER_CHARS = 2_000

# A learner's training after its last tab has gone: kept this long for a reload or another tab to reattach.
ABANDON_AFTER_S = 60.0

"""CNN Lab core: pure Python (numpy, TensorFlow on demand), never imports Streamlit.

Modules import TensorFlow/Keras lazily inside the functions that need it, so that
shape arithmetic and the pages that only use it stay fast.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

# TensorFlow sizes its process-wide thread pools once, when its runtime starts: size them before
# any cnnlab module can import it (see cnnlab/threads.py).
from cnnlab import threads as _threads  # noqa: E402

_threads.configure_tensorflow()
_threads.limit_blas()

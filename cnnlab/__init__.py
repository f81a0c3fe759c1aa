"""CNN Lab core: pure Python (numpy, TensorFlow on demand), never imports Streamlit.

Modules import TensorFlow/Keras lazily inside the functions that need it, so that
shape arithmetic and the pages that only use it stay fast.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

"""Take it home: ONE download button per page, its settings as a Jupyter notebook (cnnlab.notebook)."""

from __future__ import annotations

from collections.abc import Callable

import nbformat
import streamlit as st

from cnnlab import notebook
from components import state_keys as keys
from components.i18n import current_language, t


def notebook_button(page: str, make: Callable[[str], nbformat.NotebookNode], *, with_digits: bool = False) -> None:
    """The button; the notebook is made only when clicked (`make(language)`), in the page's language.

    with_digits: a .zip with the bundled digits the notebook loads (the Train page's, on the bundled data).
    """
    lang = current_language()  # read here: the file is made on another thread, outside the session
    if with_digits:
        data, name, mime, label = (lambda: notebook.training_zip(make(lang), f"cnnlab_{page}.ipynb"),
                                   f"cnnlab_{page}.zip", "application/zip", "notebook.button_zip")
    else:
        data, name, mime, label = (lambda: notebook.to_bytes(make(lang)), f"cnnlab_{page}.ipynb",
                                   "application/x-ipynb+json", "notebook.button")
    st.download_button(t(label), data=data, file_name=name, mime=mime, icon=":material/download:",
                       help=t("notebook.help_zip" if with_digits else "notebook.help"), on_click="ignore",
                       key=keys.notebook_download(page))

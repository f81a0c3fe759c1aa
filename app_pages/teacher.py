"""Teacher: the class's drawings and answers, live and made for the projector; fine-tune on them; the class's data.

Without this session's teacher key only the sign-in and create forms show: a student sees nothing of the class here.
"""

from __future__ import annotations

import streamlit as st

from cnnlab.store import ClassInfo, StoreError
from components import state_keys as keys
from components import teacher_views as views
from components.i18n import t
from components.saved_work import error_text, store
from components.ui import page_header


def class_ui(info: ClassInfo) -> None:
    try:
        version = store().class_version(info.id)
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")
        return
    st.session_state[keys.TEACHER_BUILT_VERSION] = version  # the live check reruns the page when it changes
    views.new_key_notice(info)
    choice = views.header(info, version)
    views.live_check(info.id)
    found = views.class_data(info, version, choice)
    gallery, confusion, questions, tune, owned = st.tabs(
        [t("teacher.tab_gallery"), t("teacher.tab_confusion"), t("teacher.tab_questions"),
         t("teacher.tab_fine_tune"), t("teacher.tab_data")])
    with gallery:
        if found is not None:
            views.gallery_view(found)
    with confusion:
        if found is not None:
            views.confusion_view(info, found)
    with questions:
        views.questions_view(info, version)
    with tune:
        views.fine_tune_view(info, found)
    with owned:
        views.data_view(info, found)


# --- the page ----------------------------------------------------------------------------------

page_header("teacher")
signed_in = views.signed_in()
if signed_in is None:
    views.sign_in_ui()
else:
    class_ui(signed_in)

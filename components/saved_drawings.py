"""The Draw page's part of the learner's saved work: save a drawing with the digit they meant (one click: the
model's reading is the default), and a small gallery of the saved ones, each with delete."""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np
import streamlit as st

from cnnlab import limits
from cnnlab.store import StoreError
from components import class_views
from components import state_keys as keys
from components.i18n import t
from components.learner import learner_id
from components.saved_work import error_text, store
from components.ui import thumbnail

GALLERY_COLUMNS = 4  # in the results column beside the canvas
THUMBNAIL_PX = 72


@st.fragment
def saved_drawings_ui(png: bytes | None, image: np.ndarray | None, read_as: int, member=None) -> None:
    """Save the drawing on the canvas (png None: nothing to save), send it to the learner's class, and the
    gallery of saved ones.

    A fragment of its own: saving, sending or deleting reruns only this, not the page's reading of the digit (a
    class saving every drawing would otherwise pay each reading twice)."""
    if png is not None and image is not None:
        save_drawing_ui(png, image, read_as, member)
    gallery()


def save_drawing_ui(png: bytes, image: np.ndarray, read_as: int, member=None) -> None:
    """"Save this drawing" with the digit meant; the picker starts at the model's reading for each new drawing.
    A member of a class also gets "send to my class: this was a 7" (components.class_views)."""
    digest = hashlib.sha1(png).hexdigest()[:12]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        meant = st.selectbox(t("draw.meant_digit"), list(range(10)), index=int(read_as),
                             key=keys.draw_meant_digit(digest), width=130)
        clicked = st.button(t("draw.save_drawing"), icon=":material/bookmark_add:", key=keys.DRAW_SAVE)
        send = class_views.send_button(member, meant)
    if send:
        class_views.send(png, image, meant)
    if not clicked:
        return
    s = store()
    try:
        if s is None:
            raise StoreError("unavailable")
        s.save_drawing(learner_id(), png, image, int(meant))
        st.success(t("draw.drawing_saved", digit=meant), icon=":material/check_circle:")
    except StoreError as exc:
        st.error(error_text(exc), icon=":material/error:")


def gallery() -> None:
    """The learner's saved drawings, newest first (built only while the expander is open)."""
    s, who = store(), learner_id()
    if s is None:
        return
    try:
        count = s.counts(who).drawings
    except StoreError:
        return
    panel = st.expander(t("draw.gallery_title", count=count, limit=limits.MAX_SAVED_DRAWINGS),
                        icon=":material/photo_library:", key=keys.DRAW_SAVED_GALLERY, on_change="rerun")
    if not panel.open:
        return
    with panel:
        try:
            drawings = s.list_drawings(who)
        except StoreError as exc:
            st.error(error_text(exc), icon=":material/error:")
            return
        if not drawings:
            st.caption(t("draw.gallery_empty"))
            return
        st.caption(t("draw.gallery_caption", limit=limits.MAX_SAVED_DRAWINGS))
        for start in range(0, len(drawings), GALLERY_COLUMNS):
            for column, drawing in zip(st.columns(GALLERY_COLUMNS), drawings[start:start + GALLERY_COLUMNS],
                                       strict=False):
                with column:
                    st.image(thumbnail(drawing.png, THUMBNAIL_PX), width=THUMBNAIL_PX, caption=t("draw.gallery_item", digit=drawing.digit))
                    st.button(t("draw.delete_drawing"), key=keys.draw_saved_delete(drawing.id), icon=":material/delete:",
                              on_click=_delete, args=(drawing.id,), type="tertiary")


def _delete(drawing_id: int) -> None:
    s = store()
    if s is not None:
        with contextlib.suppress(StoreError):  # already gone (another tab): the gallery shows what is left
            s.delete_drawing(learner_id(), drawing_id)

"""Home: what the chapter teaches, what each page does, which data and model are active."""

import streamlit as st

from components import page_paths, progress_views, resources
from components.active_model import active_model, describe
from components.i18n import t
from components.pages import PAGES, page_info


def chapter_view() -> None:
    st.title(t("home.title"))
    st.markdown(t("home.lead"))
    st.subheader(t("home.chapter_heading"))
    accuracy = t("home.accuracy_full" if resources.mnist().is_full else "home.accuracy_subset")
    st.markdown(t("home.chapter_body", accuracy=accuracy))


def pages_view() -> None:
    """A card per page, three a row, in the chapter's order."""
    st.subheader(t("home.pages_heading"))
    for row_start in range(0, len(PAGES), 3):
        for column, info in zip(st.columns(3), PAGES[row_start:row_start + 3], strict=False):
            with column.container(border=True, height="stretch"):
                st.page_link(info.path, label=t(f"nav.{info.name}"), icon=info.icon)
                st.caption(t(f"home.page_{info.name}"))


def data_view() -> None:
    mnist = resources.mnist()
    st.markdown(f"**{t('home.data_label')}**")
    st.markdown(t(f"common.source_{mnist.source}"))
    st.caption(t("home.data_counts", train=f"{len(mnist.x_train):,}", test=f"{len(mnist.x_test):,}"))
    if not mnist.is_full:  # the server's data is the operator's choice, never a visitor's button
        st.caption(t("home.download_hint", command="python scripts/download_mnist.py"))


def model_view() -> None:
    st.markdown(f"**{t('home.model_label')}**")
    active = active_model(load=False)
    if active is None:
        st.warning(describe(active))
    else:
        st.markdown(describe(active))
    train = page_info("train")
    st.page_link(train.path, label=t("home.train_link"), icon=train.icon)


def status_view() -> None:
    """The data and the model every page uses, side by side."""
    st.subheader(t("home.status_heading"))
    data_col, model_col = st.columns(2)
    with data_col.container(border=True, height="stretch"):
        data_view()
    with model_col.container(border=True, height="stretch"):
        model_view()


chapter_view()
pages_view()
status_view()
progress_views.home_view()
page_paths.home()

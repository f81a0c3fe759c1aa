"""Placeholder until its issue lands: says honestly what the page will do."""

import streamlit as st

from components.i18n import t

st.title(t("nav.sequences"))
st.info(t("common.coming_soon"), icon=":material/construction:")
st.markdown(t("home.page_sequences"))

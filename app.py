"""CNN Lab entry: page config, language, navigation. Pages live in app_pages/."""

import streamlit as st

from cnnlab.i18n import LANGUAGES, language_from_locale
from components import state_keys as keys
from components.i18n import t

st.set_page_config(page_title="CNN Lab", page_icon=":material/grid_on:", layout="wide")

# The language follows the browser until the user picks one; ?lang=ko|en in the URL
# fixes it, and the URL keeps the current choice so a shared link opens the same way.
if keys.LANG not in st.session_state:
    requested = st.query_params.get("lang")
    st.session_state[keys.LANG] = requested if requested in LANGUAGES else language_from_locale(st.context.locale)

with st.sidebar:
    st.segmented_control(
        "Language · 언어",
        LANGUAGES,
        format_func={"ko": "한국어", "en": "English"}.get,
        key=keys.LANG,
        required=True,
    )
st.query_params["lang"] = st.session_state[keys.LANG]

page = st.navigation(
    {
        t("nav.section_start"): [
            st.Page("app_pages/home.py", title=t("nav.home"), icon=":material/home:", default=True),
        ],
        t("nav.section_sequences"): [
            st.Page("app_pages/sequences.py", title=t("nav.sequences"), icon=":material/timeline:", url_path="sequences"),
        ],
        t("nav.section_cnn"): [
            st.Page("app_pages/conv.py", title=t("nav.conv"), icon=":material/filter:", url_path="conv"),
            st.Page("app_pages/pooling.py", title=t("nav.pooling"), icon=":material/grid_view:", url_path="pooling"),
            st.Page("app_pages/model.py", title=t("nav.model"), icon=":material/account_tree:", url_path="model"),
            st.Page("app_pages/train.py", title=t("nav.train"), icon=":material/model_training:", url_path="train"),
            st.Page("app_pages/draw.py", title=t("nav.draw"), icon=":material/draw:", url_path="draw"),
        ],
    }
)
page.run()

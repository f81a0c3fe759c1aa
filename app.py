"""CNN Lab entry: page config, language, navigation. Pages live in app_pages/."""

import streamlit as st

from cnnlab import ASSETS
from cnnlab.i18n import LANGUAGES, language_from_locale
from components import class_views, learner, presentation, progress, progress_views, saved_work
from components import state_keys as keys
from components.i18n import t
from components.pages import HOME, PAGES, TEACHER
from components.resources import start_warmup

presentation.init()  # before the page config: presentation mode folds the sidebar away
st.set_page_config(page_title="CNN Lab", page_icon=ASSETS / "favicon.png", layout="wide",  # shipped: works offline
                   initial_sidebar_state=presentation.sidebar_state())
presentation.inject_css()
start_warmup()  # no-op under serve.py (started with the server); here for `streamlit run app.py` and AppTest

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
    presentation.toggle()
    learner.ensure()  # the browser's anonymous learner id, before any page reads it
    saved_work.sidebar_summary()
    class_views.sidebar_control()
st.query_params["lang"] = st.session_state[keys.LANG]

sections = {t(f"nav.section_{HOME.section}"): [
    st.Page(HOME.path, title=t("nav.home"), icon=HOME.icon, default=True)]}
for info in PAGES:
    sections.setdefault(t(f"nav.section_{info.section}"), []).append(
        st.Page(info.path, title=t(f"nav.{info.name}"), icon=info.icon, url_path=info.name))
sections[t(f"nav.section_{TEACHER.section}")] = [
    st.Page(TEACHER.path, title=t(f"nav.{TEACHER.name}"), icon=TEACHER.icon, url_path=TEACHER.name)]
page = st.navigation(sections)
saved_work.track_session()  # the learner's training lives while one of their tabs does
saved_work.show_notice()  # what a click on the last run saved or deleted
progress.visit(page.url_path or HOME.name)  # before the sidebar's progress: a first visit counts at once
with st.sidebar:
    progress_views.sidebar_view()
presentation.page_opened(presentation.page_name_of(page.url_path))
presentation.chapter_nav(presentation.page_name_of(page.url_path))
page.run()

"""Streamlit's own widget texts in the page's language, where Streamlit 1.67 writes them in English only.

The file uploader's button ("Upload") and its limits line ("200MB per file • PNG, JPG") are fixed English
strings in Streamlit's frontend: st.file_uploader has no parameter for them and does not follow the browser's
locale. `file_uploader` draws the widget and replaces both texts by CSS (the original text at size 0, ours
as generated content), scoped to the widget's own `.st-key-<key>` class. This reaches into Streamlit's DOM
(data-testid stFileUploaderDropzone / stFileUploaderDropzoneInstructions): streamlit is pinned, and
tests/browser/test_widget_texts.py fails the day the replacement stops showing.
"""

from __future__ import annotations

import json

import streamlit as st

from components.i18n import t

_CSS = """
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
.st-key-{key} [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {button}; font-size: 1rem; }}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {limits}; font-size: 0.875rem; }}
"""


def _css_string(text: str) -> str:
    """A CSS string literal (JSON's quoting is CSS's; Hangul stays as it is, CSS has no \\u escapes)."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")


def upload_limit_mb(max_upload_size: int | None = None) -> int:
    """The largest file the uploader takes, in MB: its own limit, else the server's (server.maxUploadSize)."""
    return int(max_upload_size if max_upload_size is not None else st.get_option("server.maxUploadSize"))


def uploader_css(key: str, types: list[str], limit_mb: int) -> str:
    """The style that writes the uploader `key`'s button and limits line in the page's language."""
    kinds = ", ".join(dict.fromkeys(kind.upper().replace("JPEG", "JPG") for kind in types))
    limits = t("common.upload_limits", size=limit_mb, types=kinds)
    return _CSS.format(key=key, button=_css_string(t("common.upload_button")),
                       limits=_css_string(limits))


def file_uploader(label: str, *, types: list[str], key: str, max_upload_size: int | None = None, **options):
    """st.file_uploader whose own texts follow the page's language; returns what st.file_uploader returns."""
    uploaded = st.file_uploader(label, type=types, key=key, max_upload_size=max_upload_size, **options)
    st.html(f"<style>{uploader_css(key, types, upload_limit_mb(max_upload_size))}</style>")
    return uploaded

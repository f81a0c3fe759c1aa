"""Translations: every user-visible string, in Korean and English.

Strings live in assets/i18n/<namespace>.json as {"key": {"en": "...", "ko": "..."}};
a string is addressed as "<namespace>.<key>", e.g. "home.title". One file per page
keeps the files readable; this module is the one way to read them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cnnlab import ASSETS

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "en"
I18N_DIR = ASSETS / "i18n"


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All strings, keyed "<namespace>.<key>" -> {"en": ..., "ko": ...}."""
    strings: dict[str, dict[str, str]] = {}
    for path in sorted(Path(I18N_DIR).glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            strings[f"{path.stem}.{key}"] = texts
    return strings


def translate(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`.

    A missing key raises KeyError: the tests scan every page for unknown keys, so a
    typo is caught there rather than shown to a student as a raw key.
    """
    text = catalog()[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def language_from_locale(locale: str | None) -> str:
    """Korean for a browser locale starting with "ko", English otherwise."""
    return "ko" if (locale or "").lower().startswith("ko") else "en"

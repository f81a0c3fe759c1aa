"""Translations: every user-visible string, in Korean and English.

Strings live in assets/i18n/<namespace>.json as {"key": {"en": "...", "ko": "..."}};
a string is addressed as "<namespace>.<key>", e.g. "home.title". One file per page
keeps the files readable; this module is the one way to read them. A text that counts
something has a "<key>_one" sibling for a count of 1 (translate's `quantity`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cnnlab import ASSETS

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "en"
I18N_DIR = ASSETS / "i18n"
SINGULAR = "_one"  # "<key>_one": the text for a count of 1 (see translate)


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All strings, keyed "<namespace>.<key>" -> {"en": ..., "ko": ...}."""
    strings: dict[str, dict[str, str]] = {}
    for path in sorted(Path(I18N_DIR).glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            strings[f"{path.stem}.{key}"] = texts
    return strings


def translate(key: str, lang: str, quantity: int | None = None, **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`.

    quantity: the number the text counts; 1 picks "<key>_one" where it exists ("1 epoch", not
    "1 epochs": English has two forms, Korean one, so a "_one" key repeats its Korean text).
    A missing key raises KeyError: the tests scan every page for unknown keys, so a
    typo is caught there rather than shown to a student as a raw key.
    """
    strings = catalog()
    if quantity == 1 and f"{key}{SINGULAR}" in strings:
        key = f"{key}{SINGULAR}"
    text = strings[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def language_from_locale(locale: str | None) -> str:
    """Korean for a browser locale starting with "ko", English otherwise."""
    return "ko" if (locale or "").lower().startswith("ko") else "en"

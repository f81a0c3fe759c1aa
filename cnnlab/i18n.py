"""Translations: every user-visible string, in Korean and English.

Strings live in assets/i18n/<namespace>.json as {"key": {"en": "...", "ko": "..."}};
a string is addressed as "<namespace>.<key>", e.g. "home.title". One file per page
keeps the files readable; this module is the one way to read them. A text that counts
something has a "<key>_one" sibling for a count of 1 (translate's `quantity`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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


# ---------------------------------------------------------------- the glossary

@dataclass(frozen=True)
class Term:
    """One concept and the one Korean word the app uses for it.

    ko: the word every Korean string uses; forbidden: regular expressions of the variants no Korean string may
    use (a different word for the same concept); why: where the choice comes from (the chapter or Keras).
    """

    concept: str
    ko: str
    forbidden: tuple[str, ...]
    why: str


_WORD_START = r"(?<![\uac00-\ud7a3])"  # not inside a longer Korean word
_WORD_END = r"(?![\uac00-\ud7a3])"

# The chapter's own wording wins (../shared/chapter10.md); where it mixes words, Keras's argument names decide.
GLOSSARY: tuple[Term, ...] = (
    Term("window", "윈도우", (_WORD_START + r"창(?:\(window\)|(?:을|이|은|에서|에|의|까지|으로|과|만)" + _WORD_END + r"|\s|$)",),
         "the chapter: 풀링 윈도우"),
    Term("filters (number of filters)", "필터 개수", (r"커널\s?개수", r"커널\s?수"),
         "Keras: filters is how many filters the layer has"),
    Term("kernel_size (size of each kernel)", "커널 크기", (r"필터\s?크기", r"필터의\s?크기"),
         "Keras: kernel_size is the size of each kernel (the chapter's list calls it 필터 크기)"),
    Term("sequential data", "순차 데이터", (r"순환\s?데이터",),
         "the chapter defines 순차 데이터(시계열 데이터); 순환 is the recurrent network"),
    Term("recurrent neural network", "순환 신경망", (r"재귀\s?신경망", r"회귀\s?신경망"), "the chapter's title"),
    Term("convolution", "컨볼루션(합성곱)", (r"콘볼루션", r"컨벌루션", r"콘벌루션"), "the chapter: 컨볼루션 레이어"),
    Term("layer", "층", (_WORD_START + r"레이어(?<!컨볼루션 레이어)",),
         "Keras's layers as 층; 레이어 only in the chapter's heading 컨볼루션 레이어"),
    Term("feature map", "특성 맵", (r"특징\s?맵", r"피처\s?맵"), "Keras's Korean documentation"),
    Term("strides", "보폭", (r"스트라이드",), "the chapter: strides : 보폭"),
    Term("dilation rate", "팽창률", (r"확장률", r"딜레이션"), "dilation_rate"),
    Term("epoch", "에포크", (r"에폭", r"에포치"), "the app's one word for an epoch"),
    Term("parameter", "파라미터", (r"매개\s?변수",), "model.summary()'s 'Param #'"),
    Term("maximum", "최대값", (r"최댓값",), "the chapter: 최대값 추출"),
    Term("bias", "편향", (r"바이어스",), "the usual Korean term for a layer's bias"),
    Term("hidden state", "은닉 상태", (r"히든\s?스테이트", r"숨은\s?상태"), "the chapter: 은닉층"),
    Term("unit", "유닛", (r"뉴런",), "Keras: Dense(units)"),
    Term("optimizer", "옵티마이저", (r"최적화기", r"최적화 함수"), "Keras: optimizer"),
    Term("fully connected (Dense)", "완전 연결", (r"밀집\s?층", r"덴스\s?층"), "Dense as 완전 연결(Dense) 층"),
)


def glossary_violations(text: str) -> list[tuple[str, str]]:
    """(concept, the variant found) for every forbidden variant in a Korean `text`."""
    found = []
    for term in GLOSSARY:
        for pattern in term.forbidden:
            match = re.search(pattern, text)
            if match:
                found.append((term.concept, match.group(0)))
    return found

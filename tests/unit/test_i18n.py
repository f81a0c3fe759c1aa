"""Every string exists in both languages, and every key the code asks for exists."""

import re
from pathlib import Path

import pytest

from cnnlab import i18n

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# t("ns.key") / t('ns.key') with a literal key; dynamic keys (f-strings) are checked by the AppTests.
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_0-9]+\.[a-z_0-9]+)["']""")


def test_every_string_has_both_languages():
    for key, texts in i18n.catalog().items():
        assert set(texts) == set(i18n.LANGUAGES), key
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), key


def test_korean_strings_are_korean():
    # A Korean string with no Hangul at all is an untranslated copy, unless it is
    # code or a name that reads the same in both (kept in this short list).
    same_in_both = {"home.title"}
    for key, texts in i18n.catalog().items():
        if key not in same_in_both and texts["ko"] == texts["en"]:
            assert not re.search(r"[A-Za-z]{4,}\s+[A-Za-z]{4,}\s+[A-Za-z]{4,}", texts["ko"]), key
        if re.search(r"[A-Za-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", texts["en"]) and " " in texts["ko"]:
            assert HANGUL.search(texts["ko"]), f"{key}: Korean text has no Korean"


def test_placeholders_match_between_languages():
    field = re.compile(r"\{([a-z_0-9]+)[^}]*\}")
    for key, texts in i18n.catalog().items():
        assert set(field.findall(texts["en"])) == set(field.findall(texts["ko"])), key


@pytest.mark.parametrize("path", sorted(
    p for folder in ("app_pages", "components") for p in (ROOT / folder).rglob("*.py")) + [ROOT / "app.py"],
    ids=lambda p: str(p.relative_to(ROOT)))
def test_code_uses_only_existing_keys(path):
    missing = [k for k in LITERAL_KEY.findall(path.read_text(encoding="utf-8")) if k not in i18n.catalog()]
    assert not missing, f"unknown i18n keys in {path.name}: {missing}"


def test_translate_fills_placeholders_and_falls_back_to_english():
    assert "8,000" in i18n.translate("home.data_counts", "en", train="8,000", test="2,000")
    assert i18n.translate("nav.home", "xx") == i18n.translate("nav.home", "en")
    assert i18n.translate("nav.home", "ko") == "CNN Lab 홈"


def test_language_from_locale():
    assert i18n.language_from_locale("ko-KR") == "ko"
    assert i18n.language_from_locale("en-US") == "en"
    assert i18n.language_from_locale(None) == "en"


def test_bold_markers_close_before_korean_particles():
    # CommonMark does not close ** that follows punctuation and precedes a letter, so
    # "**순환 신경망(RNN)**은" shows raw asterisks: put the particle after a letter instead.
    unclosed = re.compile(r"[)\]`'\"%.,:;!?]\*\*[\uac00-\ud7a3A-Za-z0-9]")
    bad = [key for key, texts in i18n.catalog().items() for text in texts.values() if unclosed.search(text)]
    assert not bad, bad


# "을(를)", "이(가)", "(으)로"...: a form that leaves the choice of particle to the reader.
DOUBLE_PARTICLE = re.compile(r"\((을|를|이|가|은|는|과|와|으로|로|으|아|야|이나|나)\)")


def test_korean_strings_choose_their_particle():
    assert DOUBLE_PARTICLE.search("파일 “{name}”을(를) 읽고") and DOUBLE_PARTICLE.search("{kind}(으)로")
    assert not DOUBLE_PARTICLE.search("순환 신경망(RNN)은") and not DOUBLE_PARTICLE.search("커널(kernel)")
    bad = {key: texts["ko"] for key, texts in i18n.catalog().items() if DOUBLE_PARTICLE.search(texts["ko"])}
    assert not bad, bad


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_navigation_labels_agree_with_page_titles(lang):
    """The sidebar's label of a page is (part of) that page's title: "Model" / "Build the model"."""
    from components.pages import HOME, PAGES

    for info in (HOME, *PAGES):
        label = i18n.translate(f"nav.{info.name}", lang).casefold()
        title = i18n.translate(f"{info.name}.title", lang).casefold()
        assert label in title or title in label, f"{lang}: nav '{label}' vs title '{title}'"


def test_the_chapter_terms_are_used_in_korean():
    # The chapter's section 1 defines 순차 데이터 (its heading says 순환 데이터, but 순환 is the recurrent network:
    # the glossary keeps one word per concept); it says 컨볼루션 레이어 (합성곱 may stand beside it).
    assert i18n.translate("nav.section_sequences", "ko") == "1절. " + i18n.translate("sequences.title", "ko")
    assert "컨볼루션" in i18n.translate("nav.section_cnn", "ko")
    alone = {key: texts["ko"] for key, texts in i18n.catalog().items()
             if "합성곱" in texts["ko"] and "컨볼루션" not in texts["ko"]}
    assert not alone, f"합성곱 without the chapter's 컨볼루션: {alone}"


def test_a_count_of_one_reads_in_the_singular():
    assert i18n.translate("train.state_done", "en", quantity=1, epochs=1, seconds="4 s") == "Finished: 1 epoch in 4 s."
    assert i18n.translate("train.state_done", "en", quantity=2, epochs=2, seconds="4 s") == "Finished: 2 epochs in 4 s."
    assert i18n.translate("train.state_done", "en", epochs=1, seconds="4 s").startswith("Finished: 1 epochs")  # no count
    assert "1 epoch with adam" in i18n.translate("common.model_trained", "en", quantity=1, layers=8, params="1",
                                                 epochs=1, optimizer="adam", accuracy="9%")
    korean = i18n.translate("train.state_done", "ko", quantity=1, epochs=1, seconds="4초")
    assert korean == i18n.translate("train.state_done", "ko", quantity=3, epochs=1, seconds="4초")  # one form


def test_every_singular_text_has_its_plural_and_the_same_placeholders():
    field = re.compile(r"\{([a-z_0-9]+)[^}]*\}")
    strings = i18n.catalog()
    singular = [key for key in strings if key.endswith(i18n.SINGULAR)]
    assert singular
    for key in singular:
        base = strings[key.removesuffix(i18n.SINGULAR)]
        assert strings[key]["ko"] == base["ko"], key  # Korean does not count in forms
        assert set(field.findall(strings[key]["en"])) == set(field.findall(base["en"])), key
        assert strings[key]["en"] != base["en"], key


# ---------------------------------------------------------------- the glossary (cnnlab.i18n.GLOSSARY)

@pytest.mark.parametrize("text, concept", [
    ("이 칸이 읽는 창(window)", "window"), ("입력 창", "window"), ("창에서 가장 큰 값", "window"),
    ("kernel_size — 필터 크기", "kernel_size (size of each kernel)"), ("1절. 순환 데이터", "sequential data"),
    ("각 윈도우에서 최댓값만", "maximum"), ("특징 맵 32개", "feature map"), ("에폭 5번", "epoch"),
    ("스트라이드 2", "strides"), ("Dense 레이어", "layer"),
])
def test_the_glossary_finds_a_forbidden_variant(text, concept):
    assert concept in [found for found, _ in i18n.glossary_violations(text)]


@pytest.mark.parametrize("text", [
    "풀링 윈도우", "창의적", "Conv2D(컨볼루션 레이어)", "kernel_size — 커널 크기", "순차 데이터와 순환 신경망",
    "필터 {f}개의 커널", "각 윈도우에서 최대값만"])
def test_the_glossary_lets_the_chosen_words_through(text):
    assert i18n.glossary_violations(text) == []


def test_every_korean_string_uses_the_glossary():
    bad = {key: i18n.glossary_violations(texts["ko"]) for key, texts in i18n.catalog().items()}
    assert not {key: found for key, found in bad.items() if found}


def test_every_glossary_word_is_used():
    """A glossary entry whose word appears nowhere is a decision nobody follows (or a typo in the glossary)."""
    korean = " ".join(texts["ko"] for texts in i18n.catalog().values())
    unused = [term.ko for term in i18n.GLOSSARY if term.ko not in korean]
    assert not unused, unused

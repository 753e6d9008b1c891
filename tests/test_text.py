"""Tests for arner.text: normalisation with offsets, tokens, sentences."""

from __future__ import annotations

import doctest
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import arner.text
from arner.text import PROCLITICS, NormalizeOptions, Normalized, Token, normalize, sentences, tokenize

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "article.txt"
ALL_OFF = NormalizeOptions(
    tatweel=False, diacritics=False, alef=False, ya=False, ta_marbuta=False,
    digits=False, persian=False, invisibles=False, compose=False,
)


def texts(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens]


def test_doctests_pass() -> None:
    result = doctest.testmod(arner.text)
    assert result.attempted > 5 and result.failed == 0


# ---------------------------------------------------------------- normalize: each switch


@pytest.mark.parametrize(
    ("switch", "raw", "on", "off"),
    [
        ("tatweel", "إسرائيـــل", "إسرائيل", "إسرائيـــل"),
        ("diacritics", "قُتِلَ شخصاً", "قتل شخصا", "قُتِلَ شخصاً"),
        ("diacritics", "الرَّحْمٰن", "الرحمن", "الرَّحْمٰن"),  # shadda, sukun, superscript alef
        ("alef", "أإآٱ", "اااا", "أإآٱ"),
        ("ya", "على مستوى", "علي مستوي", "على مستوى"),
        ("ta_marbuta", "مدينة", "مدينه", "مدينة"),
        ("digits", "٢٦ و۱۲ و57", "26 و12 و57", "٢٦ و۱۲ و57"),
        ("persian", "کتائب علی", "كتائب علي", "کتائب علی"),
        ("invisibles", "حزب\u200f الله\u200b", "حزب الله", "حزب\u200f الله\u200b"),
        ("compose", "ا\u0654من", "أمن", "ا\u0654من"),
    ],
)
def test_each_switch_alone(switch: str, raw: str, on: str, off: str) -> None:
    assert normalize(raw, replace(ALL_OFF, **{switch: True})).text == on
    assert normalize(raw, ALL_OFF).text == off


def test_defaults_fold_everything_but_ta_marbuta() -> None:
    norm = normalize("قُتِلَ ٢٦ عنصراً في مدينة دير الزّور على أيدي ميليشيـات إيران")
    assert norm.text == "قتل 26 عنصرا في مدينة دير الزور علي ايدي ميليشيات ايران"


def test_all_off_is_identity() -> None:
    raw = "أُطلِقَ ١٠ صواريخ\u200f على إسرائيـل"
    norm = normalize(raw, ALL_OFF)
    assert norm.text == raw and norm.offsets == tuple(range(len(raw) + 1))


def test_decomposed_hamza_survives_diacritic_removal() -> None:
    # و + combining hamza is ؤ; stripping it as a diacritic would leave و.
    assert normalize("مسو\u0654ول").text == "مسؤول"
    assert normalize("مسو\u0654ول", NormalizeOptions(compose=False)).text == "مسوول"


# ---------------------------------------------------------------- normalize: offsets


def test_offsets_point_at_base_letters() -> None:
    norm = normalize("قُتِلَ ٢٦")
    assert norm.text == "قتل 26"
    assert norm.offsets == (0, 2, 4, 6, 7, 8, 9)


def test_to_raw_whole_word_includes_its_trailing_diacritics() -> None:
    raw = "مقتلُ ٥٧ شخصاً"
    norm = normalize(raw)
    start = norm.text.index("شخصا")
    s, e = norm.to_raw(start, start + 4)
    assert raw[s:e] == "شخصاً"
    s, e = norm.to_raw(0, 4)
    assert raw[s:e] == "مقتلُ"


def test_to_raw_includes_inner_tatweel_but_not_leading_removed_chars() -> None:
    raw = "\u0651حزب الـلـه"
    norm = normalize(raw)
    assert norm.text == "حزب الله"
    assert raw[slice(*norm.to_raw(0, 3))] == "حزب"
    assert raw[slice(*norm.to_raw(4, 8))] == "الـلـه"


def _raw_of(norm: Normalized, word: str) -> str:
    """The raw text that the first ``word`` of the normalised text came from."""
    start = norm.text.index(word)
    return norm.raw[slice(*norm.to_raw(start, start + len(word)))]


def test_a_word_broken_by_a_space_between_tatweels_is_joined_and_maps_back_whole() -> None:
    norm = normalize("مقتـ ـل عنصرين من ميليشيا قسـ ـد")
    assert norm.text == "مقتل عنصرين من ميليشيا قسد"
    assert (_raw_of(norm, "قسد"), _raw_of(norm, "مقتل")) == ("قسـ ـد", "مقتـ ـل")


@pytest.mark.parametrize("raw", ["قصف لـ «داعش»", "حزب الله ـ لبنان", "الـ ـ", "قسـ ـد"])
def test_only_spaces_with_a_tatweel_on_both_sides_are_dropped(raw: str) -> None:
    joined = normalize(raw).text
    assert joined.count(" ") == raw.count(" ") - raw.count("ـ ـ")
    assert normalize(raw, NormalizeOptions(tatweel=False)).text.count(" ") == raw.count(" ")


def test_a_word_broken_by_dots_after_a_tatweel_is_joined_and_maps_back_whole() -> None:
    norm = normalize("شنت قـ.وات الدعـ.م السـ..ريع هجوماً أسفر عن مقـ.تل 4")
    assert norm.text == "شنت قوات الدعم السريع هجوما اسفر عن مقتل 4"
    assert (_raw_of(norm, "الدعم السريع"), _raw_of(norm, "مقتل")) == ("الدعـ.م السـ..ريع", "مقـ.تل")


@pytest.mark.parametrize("raw", ["قتل 3. ثم", "لـ.", "إسرائيـل.ثم", "الـ.5"])
def test_dots_that_end_a_sentence_or_meet_no_letter_stay(raw: str) -> None:
    assert normalize(raw).text.count(".") == raw.count(".")


def test_dotted_words_stay_broken_without_the_tatweel_switch() -> None:
    assert normalize("الدعـ.م", NormalizeOptions(tatweel=False)).text == "الدعـ.م"


def test_hashtag_underscores_read_as_spaces_and_names_map_back_to_the_raw_hashtag() -> None:
    raw = "قصف على ريف #دير_الزور و#الغوطة_الشرقية، _مسودة_"
    norm = normalize(raw)
    assert norm.text == "قصف علي ريف #دير الزور و#الغوطة الشرقية، _مسودة_"
    assert _raw_of(norm, "دير الزور") == "دير_الزور"
    assert normalize(raw, NormalizeOptions(hashtags=False)).text.count("_") == 4


@pytest.mark.parametrize("raw, joined", [
    ("خلايا د اع ش في البادية", "خلايا داعش في البادية"),
    ("لتنظيم الدولة “د ا ع ش” أمس", "لتنظيم الدولة “داعش” امس"),
    ("عناصر ق س د و ب ك ك", "عناصر قسد و بكك"),
    ("و في ما بعد", "و في ما بعد"),
    ("من لم يكن هو", "من لم يكن هو"),
])
def test_words_spelt_out_letter_by_letter_are_joined_but_short_words_are_not(raw: str, joined: str) -> None:
    norm = normalize(raw)
    assert norm.text == joined
    if "داعش" in joined:
        assert _raw_of(norm, "داعش").replace(" ", "") == "داعش"
    assert normalize(raw, NormalizeOptions(spaced_letters=False)).text.count(" ") == raw.count(" ")


def test_to_raw_leaves_out_trailing_invisible_marks() -> None:
    raw = "إيران\u200f،"
    norm = normalize(raw)
    assert raw[slice(*norm.to_raw(0, 5))] == "إيران"
    assert raw[slice(*norm.to_raw(0, 6))] == raw


def test_to_raw_of_composed_letter_covers_both_raw_chars() -> None:
    raw = "ا\u0653ليات"
    norm = normalize(raw, NormalizeOptions(alef=False))
    assert norm.text == "آليات"
    assert norm.to_raw(0, 1) == (0, 2)


def test_to_norm_counts_a_letter_when_its_base_is_inside() -> None:
    norm = normalize("حِزْبُ")  # ح ِ ز ْ ب ُ
    assert norm.to_norm(0, 6) == (0, 3)
    assert norm.to_norm(0, 3) == (0, 2)  # cut after ز: ز is in, its sukun is not needed
    assert norm.to_norm(1, 6) == (1, 3)  # starting on a kasra starts at the next letter
    assert norm.to_norm(6, 6) == (3, 3)


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, 99)])
def test_bad_ranges_fail_naming_the_values(start: int, end: int) -> None:
    norm = normalize("داعش")
    with pytest.raises(ValueError, match=rf"\[{start}, {end}\)"):
        norm.to_raw(start, end)
    with pytest.raises(ValueError, match=rf"\[{start}, {end}\)"):
        norm.to_norm(start, end)


def test_bad_inputs_fail_fast() -> None:
    with pytest.raises(TypeError, match="bytes"):
        normalize("داعش".encode())
    with pytest.raises(TypeError, match="options"):
        normalize("داعش", {"alef": False})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="offsets"):
        Normalized("ab", "ab", (0, 1))
    with pytest.raises(TypeError, match="lexicon"):
        tokenize("وحزب", split_clitics=True, lexicon="حزب")


# ---------------------------------------------------------------- tokenize


def test_tokens_of_a_seed_sentence() -> None:
    text = 'ففي مدينة دير الزور ومحيطها، قُتل 26 شخصاً، هم 10 من قوات النظام و4 من "الأمن العسكري".,'
    assert texts(tokenize(text)) == [
        "ففي", "مدينة", "دير", "الزور", "ومحيطها", "،", "قُتل", "26", "شخصاً", "،", "هم", "10",
        "من", "قوات", "النظام", "و", "4", "من", '"', "الأمن", "العسكري", '"', ".", ",",
    ]


def test_token_offsets_index_the_raw_text() -> None:
    text = "غارات\u00a0إسرائيل\u200f على «البوكمال»"
    tokens = tokenize(text)
    assert texts(tokens) == ["غارات", "إسرائيل", "على", "«", "البوكمال", "»"]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokens[1].start == 6


@pytest.mark.parametrize("number", ["1,200", "١٬٢٠٠", "2.5", "۱۲", "٢٫٥"])
def test_numbers_with_separators_are_one_token(number: str) -> None:
    assert texts(tokenize(f"قتل {number}.")) == ["قتل", number, "."]


def test_punctuation_and_dashes_are_one_char_tokens() -> None:
    assert texts(tokenize("الحدود السورية – العراقية (شرق)؛ هل؟!")) == [
        "الحدود", "السورية", "–", "العراقية", "(", "شرق", ")", "؛", "هل", "؟", "!",
    ]


def test_emoji_keeps_its_variation_selector() -> None:
    assert texts(tokenize("نعم❤️!")) == ["نعم", "❤️", "!"]


@pytest.mark.parametrize(
    ("word", "lexicon", "expected"),
    [
        ("والميليشيات", (), ["و", "الميليشيات"]),
        ("بالإضافة", (), ["ب", "الإضافة"]),
        ("وحزب", {"حزب"}, ["و", "حزب"]),
        ("وحزب", (), ["وحزب"]),
        ("لإيران", {"إيران"}, ["ل", "إيران"]),
        ("لإيران", {"ايران"}, ["ل", "إيران"]),  # a normalised lexicon matches too
        ("و4", (), ["و", "4"]),
        ("و٤", (), ["و", "٤"]),
        ("وثق", (), ["وثق"]),
        ("بادية", (), ["بادية"]),
        ("لواء", (), ["لواء"]),
        ("فاطميون", (), ["فاطميون"]),
        ("كتائب", (), ["كتائب"]),
        ("ولاية", (), ["ولاية"]),
        ("للقوات", (), ["ل", "لقوات"]),  # ل + ال written لل: the article's alef is elided
        ("وللقوات", (), ["ول", "لقوات"]),
        ("فبالتالي", (), ["فب", "التالي"]),
        ("والحق", (), ["والحق"]),  # only 2 letters after ال: too risky
        ("والحق", {"الحق"}, ["و", "الحق"]),
        ("لله", (), ["لله"]),
        ("والدتها", (), ["والدتها"]),
        ("بالستية", (), ["بالستية"]),
        ("وَالقوات", (), ["وَ", "القوات"]),  # the proclitic keeps its haraka
    ],
)
def test_clitic_splitting(word: str, lexicon: set[str], expected: list[str]) -> None:
    tokens = tokenize(word, split_clitics=True, lexicon=lexicon)
    assert texts(tokens) == expected
    assert [t.clitic for t in tokens] == [True] * (len(expected) - 1) + [False]


def test_clitics_are_kept_whole_without_split_clitics() -> None:
    assert texts(tokenize("والميليشيات ولإيران", lexicon={"إيران"})) == ["والميليشيات", "ولإيران"]


def test_a_digit_against_an_arabic_letter_starts_a_new_word() -> None:
    # A count glued to its noun or to الـ is a word of its own, so a CASUALTY span
    # can be exactly the digits; Latin letters keep theirs (T2, M4).
    assert texts(tokenize("مقتل121 و4 الـ200 13شخصا ١٢قتيلا T2")) == [
        "مقتل", "121", "و", "4", "الـ", "200", "13", "شخصا", "١٢", "قتيلا", "T2"]
    assert [t.clitic for t in tokenize("و4 بـ5", split_clitics=True)] == [True, False, True, False]


def test_bare_proclitic_before_quote_is_flagged() -> None:
    tokens = tokenize('ولواء و"فاطميون"', split_clitics=True)
    assert [(t.text, t.clitic) for t in tokens] == [
        ("ولواء", False), ("و", True), ('"', False), ("فاطميون", False), ('"', False),
    ]
    assert not tokenize('و"فاطميون"')[0].clitic


def test_proclitics_include_the_combinations() -> None:
    assert {"و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك"} <= set(PROCLITICS)


# ---------------------------------------------------------------- sentences


def test_seed_article_sentences() -> None:
    text = SEED.read_text(encoding="utf-8")
    spans = sentences(text)
    found = [text[s:e] for s, e in spans]
    assert len(found) == 13
    assert found[0] == "ميليشيات إيران تعيد انتشارها في سوريا بعد غارات إسرائيل"
    assert found[1].startswith("المرصد السوري") and found[1].endswith("من نوعه.,")
    assert found[2].startswith("وأعادت الميليشيات")
    assert found[-1].endswith("دفاعات النظام الجوية.")


def test_sentences_split_at_terminators_and_newlines_only() -> None:
    text = "قتل 2.5 ألف؟ نعم!\n\nوأكد «المرصد». موقع sohr.com نشر\nآخر"
    assert [text[s:e] for s, e in sentences(text)] == [
        "قتل 2.5 ألف؟", "نعم!", "وأكد «المرصد».", "موقع sohr.com نشر", "آخر",
    ]


def test_sentence_after_missing_space_and_opening_quote() -> None:
    text = 'انتهى الاجتماع."قال المرصد" إن'
    assert [text[s:e] for s, e in sentences(text)] == ["انتهى الاجتماع.", '"قال المرصد" إن']


def test_sentences_of_blank_text() -> None:
    assert sentences(" \n\u200f\n ") == []
    assert sentences("") == []


# ---------------------------------------------------------------- properties

ALPHABET = (
    "ابتحزلمنويةىأإآٱفكءؤئ"  # letters, including the proclitics and alef/ya variants
    "\u064b\u064e\u064f\u0650\u0651\u0652\u0670\u0653\u0654\u0655"  # diacritics, combining hamza/madda
    "\u0640"  # tatweel
    "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
    "abzXY"
    ".,،؛؟!«»\"'“”–—-():٬٫%"
    " \n\t\u00a0"
    "😀❤\ufe0f\u200e\u200f\u200b\u200c"
    "کی"
)
arabicish = st.text(alphabet=ALPHABET, max_size=60)


def is_dropped(char: str) -> bool:
    """Whitespace and invisible format marks other than the joiners ZWNJ/ZWJ."""
    return char.isspace() or (unicodedata.category(char) == "Cf" and char not in "\u200c\u200d")


@given(arabicish)
def test_normalize_offsets_map_back_exactly(raw: str) -> None:
    norm = normalize(raw)
    offs = norm.offsets
    assert len(offs) == len(norm.text) + 1 and offs[-1] == len(raw)
    assert all(a < b for a, b in zip(offs, offs[1:]))
    for i, char in enumerate(norm.text):
        assert normalize(raw[offs[i] : offs[i + 1]]).text == char
    assert normalize(raw[: offs[0]]).text == ""  # leading removed chars


@given(arabicish)
def test_to_raw_of_everything_covers_every_kept_char(raw: str) -> None:
    norm = normalize(raw)
    start, end = norm.to_raw(0, len(norm.text))
    assert all(start <= k < end for k in norm.offsets[:-1])
    assert normalize(raw[start:end]).text == norm.text


@given(arabicish, st.data())
def test_to_norm_inverts_to_raw(raw: str, data: st.DataObject) -> None:
    norm = normalize(raw, NormalizeOptions(ta_marbuta=True))
    start = data.draw(st.integers(0, len(norm.text)))
    end = data.draw(st.integers(start, len(norm.text)))
    raw_start, raw_end = norm.to_raw(start, end)
    assert norm.to_norm(raw_start, raw_end) == (start, end)
    assert normalize(raw[raw_start:raw_end], NormalizeOptions(ta_marbuta=True)).text == norm.text[start:end]


@given(arabicish, st.booleans())
def test_tokens_are_exact_ordered_and_lossless(text: str, split: bool) -> None:
    tokens = tokenize(text, split_clitics=split, lexicon={"حزب", "ايران"})
    assert all(t.text == text[t.start : t.end] and t.start < t.end for t in tokens)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))
    assert "".join(texts(tokens)) == "".join(c for c in text if not is_dropped(c))


@given(arabicish)
def test_clitic_splitting_only_refines_tokens(text: str) -> None:
    whole = [(t.start, t.end) for t in tokenize(text)]
    split = tokenize(text, split_clitics=True, lexicon={"حزب"})
    merged: list[tuple[int, int]] = []
    for prev, token in zip([None, *split], split):
        # the rest of a word sits right after its proclitic; a quote is its own token,
        # and so is a number written against a bare proclitic (و4)
        joins = prev is not None and prev.clitic and prev.end == token.start
        if joins and token.text[0] not in arner.text.QUOTES and not token.text[0].isdigit():
            merged[-1] = (merged[-1][0], token.end)
        else:
            merged.append((token.start, token.end))
    assert merged == whole


@given(arabicish)
def test_sentences_partition_the_visible_text(text: str) -> None:
    spans = sentences(text)
    assert all(a < b for a, b in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    for start, end in spans:
        assert not is_dropped(text[start]) and not is_dropped(text[end - 1])
        assert "\n" not in text[start:end]
    covered = {k for start, end in spans for k in range(start, end)}
    assert all(k in covered for k, c in enumerate(text) if not is_dropped(c))

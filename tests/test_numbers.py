"""Tests for arner.numbers: reading Arabic casualty numbers and writing them."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arner import numbers
from arner.numbers import (
    ACCUSATIVE_SINGULAR_RANGE,
    CASES,
    GENDERS,
    PLURAL_RANGE,
    count_after_noun,
    counts_no_people,
    number_to_words,
    parse_number,
    to_arabic_indic,
)

PARSED = [
    # digits in three scripts, mixed, and thousands groups
    ("57", 57),
    ("٥٧", 57),
    ("۵۷", 57),
    ("١2", 12),
    ("1,200", 1200),
    ("1٬200", 1200),
    ("١٬٢٠٠", 1200),
    ("1.200", 1200),
    ("12.500 قتيل", 12500),
    # hedges, proclitics and the trailing counted noun
    ("ما لا يقل عن 57", 57),
    ("ما لا يقل عن 57 شخصاً", 57),
    ("نحو 30", 30),
    ("ونحو 30 عنصراً", 30),
    ("حوالي 30", 30),
    ("حوالى ٣٠", 30),
    ("قرابة 30 عنصراً", 30),
    ("أكثر من 20", 20),
    ("أقل من 20", 20),
    ("زهاء 40 قتيلاً", 40),
    ("ما يزيد عن 15", 15),
    ("ما يزيد على 15", 15),
    ("12 من الميليشيات", 12),
    ("10 من قوات النظام و4 من الأمن العسكري", 10),
    ("و4", 4),
    ("بـ5", 5),
    ("الـ30 قتيلاً", 30),
    ("وثلاثة", 3),
    # units, both genders, spelling variants, tatweel and diacritics
    ("واحد", 1),
    ("واحدة", 1),
    ("اثنان", 2),
    ("إثنين", 2),
    ("اثنتان", 2),
    ("ثلاثة", 3),
    ("ثلاث", 3),
    ("ثلاثـة", 3),
    ("ثلاثةُ", 3),
    ("الثلاثة", 3),
    ("ثمانية", 8),
    ("ثماني", 8),
    ("ثمان", 8),
    ("عشرة", 10),
    ("عشر", 10),
    # teens
    ("أحد عشر", 11),
    ("إحدى عشرة", 11),
    ("اثنا عشر", 12),
    ("إثنا عشر", 12),
    ("اثني عشر", 12),
    ("اثنتا عشرة", 12),
    ("ثلاثة عشر", 13),
    ("ثماني عشرة", 18),
    ("تسعة عشر عنصراً", 19),
    # tens and compounds
    ("عشرون", 20),
    ("عشرين", 20),
    ("تسعين", 90),
    ("خمسة وعشرون", 25),
    ("سبعة وخمسين", 57),
    ("واحد وعشرون", 21),
    ("إحدى وعشرون", 21),
    # hundreds
    ("مئة", 100),
    ("مائة", 100),
    ("مئتان", 200),
    ("مئتين", 200),
    ("مائتي", 200),
    ("ثلاثمئة", 300),
    ("ثلاثمائة", 300),
    ("ثلاث مئة", 300),
    ("ثمانمئة", 800),
    ("مئة وخمسة وعشرون", 125),
    ("مئة وأحد عشر", 111),
    # thousands
    ("ألف", 1000),
    ("ألفان", 2000),
    ("ألفين", 2000),
    ("ثلاثة آلاف", 3000),
    ("عشرة آلاف", 10000),
    ("3 آلاف", 3000),
    ("أحد عشر ألفاً", 11000),
    ("خمسة وعشرون ألفاً", 25000),
    ("مئة ألف", 100000),
    ("مئتي ألف", 200000),
    ("مئة ألف وألف", 101000),
    ("ألف ومئتان", 1200),
    ("ثلاثة آلاف وخمسمئة وسبعة وعشرون", 3527),
    ("ثلاثة آلاف و500", 3500),
    ("تسعمئة وتسعة وتسعون ألفاً وتسعمئة وتسعة وتسعون", 999999),
    ("أكثر من مئة شخص", 100),
    ("ما لا يقل عن خمسة عشر", 15),
    # a dual noun alone, or واحد/اثنان after a noun
    ("عنصران", 2),
    ("لاجئان", 2),
    ("انتحاريان", 2),
    ("صحافيان", 2),
    ("عنصرين", 2),
    ("جنديان", 2),
    ("جنديين", 2),
    ("قتيلين", 2),
    ("مدنيان", 2),
    ("امرأتان", 2),
    ("طفلتين", 2),
    ("العنصرين", 2),
    ("عنصرين اثنين", 2),
    ("مدنيين اثنين", 2),
    ("جنود اثنان", 2),
    ("عنصر واحد", 1),
    # nothing, or not one clear count
    ("", None),
    ("   ", None),
    ("عناصر", None),
    ("العشرات", None),
    ("عشرات", None),
    ("مئات", None),
    ("آلاف", None),
    ("نحو", None),
    ("بين 5 و7", None),
    ("5 و7", None),
    ("5 إلى 7", None),
    ("5-7", None),
    ("خمسة أو ستة", None),
    ("عشرة وعشرون", None),
    ("عشرون وخمسة", None),
    ("2.5", None),
    ("٢٫٥", None),
    ("1,5", None),
    ("0.500", None),
    ("الثالث", None),
    ("الخامسة", None),
    ("الحادي عشر", None),
    ("اللواء 137", None),
    ("مقتل 5", None),
    ("مدنيين", None),
    ("مقاتلين", None),
    ("ضربتين", None),
    ("50%", None),
    ("20 في المئة", None),
    ("2 مليون", None),
    ("ثلاثة ألفان", None),
]


def test_table_is_big_enough() -> None:
    assert len(PARSED) >= 60
    assert sum(expected is None for _, expected in PARSED) >= 12


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_number(text: str, expected: int | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("خمسة\u06de عشر", 15),  # the rub el hizb sign, no combining mark: text keeps it, numbers not
        ("ثلاث\u06e5ة", 3),  # small waw
        ("سبع\u06e6ة", 7),  # small yeh
        ("عشر\u06e9ون", 20),  # place of sajdah
        ("أر\u200fبعة", 4),  # a bidi mark inside the word
        ("ا\u0654ربعة", 4),  # a decomposed hamza on alef
    ],
)
def test_numbers_read_through_the_text_layer_tables(text: str, expected: int) -> None:
    """numbers normalises with text's tables, plus the Quranic signs text keeps."""
    assert parse_number(text) == expected


@pytest.mark.parametrize("odd", [None, 57, b"57", ["57"]])
def test_parse_number_returns_none_for_non_text(odd: object) -> None:
    assert parse_number(odd) is None  # type: ignore[arg-type]


@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩²,.٬٫-% وابلمئةألفعشرونثلاثاثنينـً") | st.text())
def test_parse_number_never_raises(text: str) -> None:
    result = parse_number(text)
    assert result is None or (isinstance(result, int) and result >= 0)


@pytest.mark.parametrize(
    ("n", "gender", "case", "words"),
    [
        (1, "feminine", "nominative", "واحدة"),
        (2, "masculine", "genitive", "اثنين"),
        (3, "masculine", "nominative", "ثلاثة"),
        (3, "feminine", "nominative", "ثلاث"),
        (12, "masculine", "nominative", "اثنا عشر"),
        (12, "feminine", "accusative", "اثنتي عشرة"),
        (13, "feminine", "nominative", "ثلاث عشرة"),
        (21, "feminine", "nominative", "إحدى وعشرون"),
        (57, "masculine", "nominative", "سبعة وخمسون"),
        (57, "masculine", "accusative", "سبعة وخمسين"),
        (200, "masculine", "nominative", "مئتان"),
        (2000, "masculine", "genitive", "ألفين"),
        (3000, "feminine", "nominative", "ثلاثة آلاف"),
        (25000, "masculine", "nominative", "خمسة وعشرون ألفاً"),
        (101000, "masculine", "nominative", "مئة ألف وألف"),
        (200000, "masculine", "genitive", "مئتي ألف"),
    ],
)
def test_number_to_words(n: int, gender: str, case: str, words: str) -> None:
    assert number_to_words(n, gender=gender, case=case) == words


@pytest.mark.parametrize(
    ("n", "kwargs", "error", "named"),
    [
        (0, {}, ValueError, "0"),
        (1_000_000, {}, ValueError, "1000000"),
        (True, {}, TypeError, "True"),
        (5, {"gender": "neuter"}, ValueError, "neuter"),
        (5, {"case": "dative"}, ValueError, "dative"),
    ],
)
def test_number_to_words_rejects_bad_arguments(
    n: int, kwargs: dict, error: type, named: str
) -> None:
    with pytest.raises(error, match=named):
        number_to_words(n, **kwargs)


def test_to_arabic_indic_rejects_negative() -> None:
    with pytest.raises(ValueError, match="-3"):
        to_arabic_indic(-3)


@pytest.mark.parametrize("gender", GENDERS)
@pytest.mark.parametrize("case", CASES)
def test_words_round_trip_sweep(gender: str, case: str) -> None:
    wrong = [n for n in range(1, 2001)
             if parse_number(number_to_words(n, gender=gender, case=case)) != n]
    assert wrong == []


@pytest.mark.parametrize("case", CASES)
def test_every_thousands_multiplier_round_trips(case: str) -> None:
    wrong = [t for t in range(1, 1000)
             if parse_number(number_to_words(t * 1000, case=case)) != t * 1000]
    assert wrong == []


@given(st.integers(1, 999_999), st.sampled_from(GENDERS), st.sampled_from(CASES))
def test_words_round_trip(n: int, gender: str, case: str) -> None:
    assert parse_number(number_to_words(n, gender=gender, case=case)) == n


@given(st.integers(0, 10**9))
def test_arabic_indic_round_trip(n: int) -> None:
    assert parse_number(to_arabic_indic(n)) == n


def test_grammar_ranges_match_the_thousands_noun() -> None:
    # 3-10 thousand takes the plural آلاف, 11-99 thousand the accusative ألفاً.
    assert [number_to_words(t * 1000).split()[-1] for t in PLURAL_RANGE] == ["آلاف"] * 8
    assert {number_to_words(t * 1000).split()[-1] for t in ACCUSATIVE_SINGULAR_RANGE} == {"ألفاً"}
    assert PLURAL_RANGE.stop == ACCUSATIVE_SINGULAR_RANGE.start


def number_in(text: str, number: str) -> tuple[int, int]:
    """The range of the last occurrence of ``number`` in ``text``."""
    start = text.rindex(number)
    return start, start + len(number)


@pytest.mark.parametrize("text, number", [
    ("استشهدت الطفلة رهف (13 عاماً) جراء القصف", "13"),
    ("أصيب شقيقها محمد (4 سنوات) أثناء اللعب", "4"),
    ("بينهم 8 أطفال دون سن 15", "15"),
    ("طفلة بعمر 12 في الغارة", "12"),
    ("نفذت الطائرات 1157 غارة", "1157"),
    ("ارتكب المسلحون أربعة مجازر بحق المهجرين", "أربعة"),
    ("قصفت المدفعية 82 موقعاً في الإقليم", "82"),
    ("قُتل عنصران في 117 عمليةً للتنظيم", "117"),
    ("قتل 3 في 5 حزيران الماضي", "5"),
    ("استهدفت الغارات «3 منازل» في القرية", "3"),
])
def test_numbers_of_things_ages_and_dates_count_no_people(text: str, number: str) -> None:
    assert counts_no_people(text, *number_in(text, number))


@pytest.mark.parametrize("text, number", [
    ("قتل 4 عناصر في الغارة", "4"),
    ("استشهد 3 مدنيين وأصيب 7 آخرون", "7"),
    ("قتل 12 عنصراً خلال 3 أيام", "12"),
    ("أصيب عمر 2 بجروح", "2"),  # a bare عمر is a name, not an age
    ("الحصيلة 26", "26"),  # nothing after it
])
def test_numbers_of_people_count_people(text: str, number: str) -> None:
    assert not counts_no_people(text, *number_in(text, number))


@pytest.mark.parametrize("text, predicted, count", [
    ("قتل جنديين اثنين في الهجوم", "جنديين", "اثنين"),
    ("قتل جنديين اثنين في الهجوم", "جنديين اثنين", "اثنين"),
    ("جرح مدنيان اثنان بشظايا", "مدنيان", "اثنان"),
    ("وأصيب مدنيان اثنانِ بشظايا", "مدنيان", "اثنانِ"),  # the harakah stays with its letter
    ("بينهم قياديين اثنين، ليبي وسعودي", "قياديين", "اثنين"),
    ("قتل مدني واحد برصاص قناص", "مدني", "واحد"),
    ("فيما قُتلت امرأتان اثنتان", "امرأتان اثنتان", "اثنتان"),
])
def test_a_number_word_after_its_noun_is_the_count(text: str, predicted: str, count: str) -> None:
    start = text.index(predicted)
    assert text[slice(*count_after_noun(text, start, start + len(predicted)))] == count


@pytest.mark.parametrize("text, predicted", [
    ("قتل عنصرين في الهجوم", "عنصرين"),  # no number word follows
    ("قتل 5 اثنين منهم أطفال", "5"),  # a number is already the count
    ("استشهد اثنان من العناصر", "اثنان"),
    ("قتل عنصرين الاثنين الماضي", "عنصرين"),  # Monday, not two
    ("قتل عنصرين واثنين من المدنيين", "عنصرين"),  # a second count, not this noun's
])
def test_other_casualty_spans_stay_where_they_are(text: str, predicted: str) -> None:
    start = text.index(predicted)
    assert count_after_noun(text, start, start + len(predicted)) == (start, start + len(predicted))


def test_doctests() -> None:
    result = doctest.testmod(numbers)
    assert result.attempted > 0
    assert result.failed == 0

"""The seed article's hand-checked gold annotation."""

from __future__ import annotations

from collections import Counter

from arner.spans import read_jsonl

from support import DATA, SHARED

SEED_TEXT = DATA / "seed" / "article.txt"
SEED_GOLD = DATA / "seed" / "article.spans.jsonl"

EXPECTED_SURFACES = {
    "MILITIA": [
        "ميليشيات إيران",
        "الميليشيات التابعة لها",
        "الميليشيات",
        "الميليشيات",
        "حزب الله اللبناني",
        "الميليشيات الموالية لها",
        'لواء "فاطميون"',
        "الميليشيات الموالية لإيران",
        "الميليشيات الموالية لإيران",
        "الميليشيات الموالية لإيران",
        'لواء "فاطميون"',
    ],
    "PLACE": [
        "سوريا", "إسرائيل", "سوريا", "دير الزور", "البوكمال", "الميادين",
        "دير الزور", "الحدود السورية – العراقية", "بادية البوكمال", "دير الزور",
        "معسكر الصاعقة", "دير الزور", "البوكمال", "الحزام", "الجمعيات",
        "بادية البوكمال", "الميادين", "المزارع", "بادية الميادين", "دير الزور",
        "إيران", "الأراضي السورية",
    ],
    "CASUALTY": ["57", "26", "10", "4", "12", "16", "15", "11"],
}


def test_seed_text_is_the_shared_article_byte_for_byte() -> None:
    shared = SHARED / "seed" / "article.txt"
    if shared.exists():
        assert SEED_TEXT.read_bytes() == shared.read_bytes()


def test_seed_gold_counts_and_surfaces() -> None:
    [doc] = read_jsonl(SEED_GOLD)
    assert doc.text == SEED_TEXT.read_text(encoding="utf-8")
    assert Counter(s.label for s in doc.spans) == {"MILITIA": 11, "PLACE": 22, "CASUALTY": 8}
    for label, expected in EXPECTED_SURFACES.items():
        assert [doc.span_text(s) for s in doc.spans if s.label == label] == expected


def test_seed_gold_leaves_state_forces_and_non_casualty_numbers_out() -> None:
    [doc] = read_jsonl(SEED_GOLD)
    covered = {i for s in doc.spans for i in range(s.start, s.end)}
    for phrase in ("قوات النظام", "القوات الإيرانية", "الأمن العسكري", "اللواء 137", "10 ضربات", "6 ضربات"):
        start = doc.text.index(phrase)
        assert not covered & set(range(start, start + len(phrase))), phrase

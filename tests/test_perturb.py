"""Noisy copies of gold documents: spans follow the text, predictions map back, light normalisation undoes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arner.encoders.sources import normalizer_for
from arner.perturb import (
    INVISIBLE_MARKS,
    PERTURBATIONS,
    SPELLING_HABITS,
    perturb_document,
    perturb_documents,
    respell_documents,
)
from arner.spans import Document, Span, read_jsonl
from arner.text import TATWEEL

TEXT = "قُتل 12 عنصراً من ميليشيا حزب الله في قصف على مدينة البوكمال شرق دير الزور"
MARKS = [("12", "CASUALTY"), ("ميليشيا حزب الله", "MILITIA"), ("البوكمال", "PLACE"), ("دير الزور", "PLACE")]


@pytest.fixture
def report(doc_from_marks) -> Document:
    return doc_from_marks("report", TEXT, MARKS)


def _without(text: str, noise: str) -> str:
    return "".join(c for c in text if c not in noise)


@pytest.mark.parametrize("kind, noise", [
    ("tatweel", TATWEEL), ("diacritics", "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"),
    ("invisibles", "".join(INVISIBLE_MARKS)),
])
def test_added_noise_lands_inside_the_spans_it_touches(report: Document, kind: str, noise: str) -> None:
    perturbed = perturb_document(report, kind, rate=1.0, seed=3)
    noisy = perturbed.noisy
    assert noisy.text != report.text
    assert _without(noisy.text, noise) == _without(report.text, noise)
    assert [_without(noisy.span_text(s), noise) for s in noisy.spans] == [s for s, _ in MARKS]
    assert [s.label for s in noisy.spans] == [label for _, label in MARKS]


def test_tatweel_only_stretches_between_two_letters_of_a_word(report: Document) -> None:
    noisy = perturb_document(report, "tatweel", rate=1.0, seed=0).noisy.text
    assert noisy.count(TATWEEL) > 0
    for word in noisy.split():
        assert not word.startswith(TATWEEL) and not word.endswith(TATWEEL), word


def test_broken_words_keep_letters_and_spans_and_light_joins_them_again(report: Document) -> None:
    noisy = perturb_document(report, "broken", rate=1.0, seed=0).noisy
    assert f"{TATWEEL} {TATWEEL}" in noisy.text
    assert noisy.text.replace(f"{TATWEEL} {TATWEEL}", "") == report.text
    assert [noisy.span_text(s).replace(f"{TATWEEL} {TATWEEL}", "") for s in noisy.spans] == [s for s, _ in MARKS]
    light = normalizer_for("light")
    assert light(noisy.text).text == light(report.text).text


def test_dotted_words_keep_letters_and_spans_and_light_joins_them_again(report: Document) -> None:
    noisy = perturb_document(report, "dotted", rate=1.0, seed=0).noisy
    assert f"{TATWEEL}." in noisy.text
    joined = re.sub(f"{TATWEEL}\\.+", "", noisy.text)
    assert joined == report.text
    assert [re.sub(f"{TATWEEL}\\.+", "", noisy.span_text(s)) for s in noisy.spans] == [s for s, _ in MARKS]
    light = normalizer_for("light")
    assert light(noisy.text).text == light(report.text).text


@pytest.mark.parametrize("raw, spellings", [
    ("ميليشيا", {"مليشيا", "ميلشيا", "ميليشا"}),
    ("الميليشيات", {"المليشيات", "الميلشيات"}),
])
def test_militia_spelling_leaves_out_exactly_one_ya_per_word(raw: str, spellings: set[str]) -> None:
    seen = set()
    for seed in range(12):
        for pad in range(3):
            doc = Document("d", "x" * (pad + 1) + f" قصف {raw} على حلب")
            word = perturb_document(doc, "militia_spelling", rate=1.0, seed=seed).noisy.text.split()[2]
            seen.add(word)
    assert seen == spellings


def test_respelled_documents_follow_one_habit_each_and_keep_their_spans(report: Document) -> None:
    docs = [report.with_spans(report.spans)] + [Document(f"d{i}", report.text, report.spans) for i in range(30)]
    respelled = respell_documents(docs, 0.5, seed=4)
    assert respelled == respell_documents(docs, 0.5, seed=4)
    changed = [d for d in respelled if "respelled" in d.extra]
    assert 5 < len(changed) < 26 and {d.extra["respelled"] for d in changed} <= set(SPELLING_HABITS)
    for doc in changed:
        assert [doc.span_text(s).replace("ى", "ي") for s in doc.spans][2:] == ["البوكمال", "دير الزور"]
    assert respell_documents(docs, 0.0, seed=4) == docs
    with pytest.raises(ValueError, match="respelled share"):
        respell_documents(docs, 1.5, seed=0)


def test_invisible_marks_follow_spaces_so_no_span_starts_with_one(report: Document) -> None:
    noisy = perturb_document(report, "invisibles", rate=1.0, seed=0).noisy
    assert all(noisy.text[noisy.text.index(mark) - 1] == " " for mark in INVISIBLE_MARKS if mark in noisy.text)
    assert all(noisy.text[s.start] not in INVISIBLE_MARKS for s in noisy.spans)


def test_persian_letters_replace_ya_and_kaf_one_for_one(report: Document) -> None:
    noisy = perturb_document(report, "persian", rate=1.0, seed=0).noisy
    assert len(noisy.text) == len(report.text) and noisy.spans == report.spans
    assert "ي" not in noisy.text and "ی" in noisy.text
    assert noisy.span_text(noisy.spans[3]) == "دیر الزور"


def test_rate_zero_changes_nothing_and_a_seed_repeats_itself(report: Document) -> None:
    for kind in PERTURBATIONS:
        assert perturb_document(report, kind, rate=0.0, seed=1).noisy == report
        first = perturb_document(report, kind, rate=0.5, seed=1).noisy
        assert perturb_document(report, kind, rate=0.5, seed=1).noisy.text == first.text
    other = Document("other", "قصف على حلب")
    alone = perturb_documents([report], "diacritics", rate=0.5, seed=1)[0].noisy.text
    assert perturb_documents([other, report], "diacritics", rate=0.5, seed=1)[1].noisy.text == alone


@pytest.mark.parametrize("kind", sorted(PERTURBATIONS))
def test_spans_predicted_on_noisy_text_map_back_onto_the_gold(report: Document, kind: str) -> None:
    perturbed = perturb_document(report, kind, rate=1.0, seed=5)
    assert perturbed.to_original(perturbed.noisy) == report
    # a prediction cut inside a stretched or vocalised letter still covers that letter
    first = perturbed.noisy.spans[1]
    partial = perturbed.noisy.with_spans([Span(first.start, first.end - 1, "MILITIA")])
    moved = perturbed.to_original(partial).spans[0]
    assert (moved.start, moved.end) in {(report.spans[1].start, report.spans[1].end),
                                        (report.spans[1].start, report.spans[1].end - 1)}


def test_light_normalisation_undoes_the_noise_but_keeps_spellings(root: Path) -> None:
    light = normalizer_for("light")
    docs = read_jsonl(root / "data" / "eval" / "conflict_news.spans.jsonl")[:40]
    for kind in ("hamza", "final_ya"):
        assert any(light(p.noisy.text).text != light(p.original.text).text
                   for p in perturb_documents(docs, kind, rate=1.0, seed=2))
    for kind in ("tatweel", "broken", "dotted", "diacritics", "persian", "invisibles"):
        # a Persian keyboard types yeh for final alef maqsura too, and light folds yeh to ya
        rate = 1.0 if kind == "persian" else 0.5
        for perturbed in perturb_documents(docs, kind, rate=rate, seed=2):
            clean = light(perturbed.original.text).text
            if kind == "persian":
                clean = clean.replace("ى", "ي")
            assert light(perturbed.noisy.text).text == clean, (kind, perturbed.original.id)


def test_hamza_and_final_ya_respell_letters_one_for_one() -> None:
    doc = Document("d", "أعلنت إسرائيل أن الغارة على آبار النفط في ريف دير الزور")
    assert perturb_document(doc, "hamza", rate=1.0, seed=0).noisy.text == \
        "اعلنت اسرائيل ان الغارة على ابار النفط في ريف دير الزور"
    assert perturb_document(doc, "final_ya", rate=1.0, seed=0).noisy.text == \
        "أعلنت إسرائيل أن الغارة علي آبار النفط فى ريف دير الزور"


def test_spacing_moves_spaces_around_punctuation_and_spans_still_map_back(doc_from_marks) -> None:
    doc = doc_from_marks("d", "قصف على البوكمال، ثم على الميادين.", [("البوكمال", "PLACE"), ("الميادين", "PLACE")])
    perturbed = perturb_document(doc, "spacing", rate=1.0, seed=0)
    assert perturbed.noisy.text == "قصف على البوكمال ،ثم على الميادين ."
    assert [perturbed.noisy.span_text(s) for s in perturbed.noisy.spans] == ["البوكمال", "الميادين"]
    assert perturbed.to_original(perturbed.noisy) == doc


def test_unknown_kinds_and_rates_are_refused(report: Document) -> None:
    with pytest.raises(ValueError, match="unknown perturbation 'typos'"):
        perturb_document(report, "typos", rate=0.1, seed=0)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\], got 1.5"):
        perturb_document(report, "tatweel", rate=1.5, seed=0)


def test_folded_normalisation_also_undoes_hamza_and_final_ya(root: Path) -> None:
    folded = normalizer_for("folded")
    docs = read_jsonl(root / "data" / "eval" / "conflict_news.spans.jsonl")[:40]
    for kind in ("hamza", "final_ya", "tatweel", "diacritics", "persian", "invisibles"):
        for perturbed in perturb_documents(docs, kind, rate=1.0, seed=2):
            assert folded(perturbed.noisy.text).text == folded(perturbed.original.text).text, (kind, perturbed.original.id)
    text = "أعلنت إسرائيـل مقتل ٣ على طريق آمرلي في مدينة"
    out = folded(text)
    assert out.text == "اعلنت اسرائيل مقتل 3 علي طريق امرلي في مدينة"  # ta marbuta kept
    assert text[slice(*out.to_raw(6, 13))] == "إسرائيـل"  # offsets still reach the raw text

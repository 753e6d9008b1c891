"""Seed augmentation on literal Arabic sentences."""

from __future__ import annotations

import random

import pytest

from arner.augment import AugmentOptions, attached_prefix, augment_document, rewrite_casualty, variant_rng
from arner.gazetteers import Gazetteers, Militia, Place
from arner.numbers import parse_number
from arner.spans import Document, Span, validate_document

GAZ = Gazetteers(
    militias=(
        Militia("حزب الله", ("حزب الله اللبناني",), "Lebanon", "named"),
        Militia("عصائب أهل الحق", (), "Iraq", "named"),
        Militia("الحشد الشعبي", (), "Iraq", "named"),
        Militia("الميليشيات الموالية لإيران", (), "Syria", "descriptive"),
    ),
    places=(
        Place("دير الزور", "city", "Syria"), Place("الموصل", "city", "Iraq"),
        Place("حلب", "city", "Syria"), Place("سوريا", "country", "Syria"),
        Place("العراق", "country", "Iraq"),
    ),
)
ALWAYS = AugmentOptions(1.0, 1.0, 1.0, ("digits", "arabic_indic", "words"))


def sentence(text: str, *marks: tuple[str, str]) -> Document:
    spans, cursor = [], 0
    for surface, label in marks:
        start = text.index(surface, cursor)
        spans.append(Span(start, start + len(surface), label))
        cursor = start + len(surface)
    return Document("s", text, tuple(spans))


SEED_LIKE = sentence(
    "قُتل 26 شخصاً، هم 10 من قوات النظام و12 من عناصر وحزب الله في مدينة دير الزور شرق سوريا، جراء 10 ضربات",
    ("26", "CASUALTY"), ("10", "CASUALTY"), ("12", "CASUALTY"), ("حزب الله", "MILITIA"),
    ("دير الزور", "PLACE"), ("سوريا", "PLACE"),
)


@pytest.mark.parametrize("variant", range(30))
def test_variants_are_valid_and_keep_context(variant: int) -> None:
    out = augment_document(SEED_LIKE, GAZ, variant_rng(1, "s", variant), ALWAYS)
    assert validate_document(out) == []
    assert [s.label for s in out.spans] == [s.label for s in SEED_LIKE.spans]
    # the words around the spans survive: clitic و, type word, the strike count (a negative)
    assert out.text.startswith("قُتل ") and out.text.endswith("جراء 10 ضربات")
    militia = out.spans[3]
    assert out.text[militia.start - 1] == "و" and "مدينة " in out.text
    assert out.span_text(out.spans[5]) in {"سوريا", "العراق"}  # a country stays a country
    casualty = parse_number(out.span_text(out.spans[0]))
    assert casualty is not None and 11 <= casualty <= 99  # شخصاً needs 11-99


def test_augmentation_is_deterministic_and_varied() -> None:
    first = [augment_document(SEED_LIKE, GAZ, variant_rng(7, "s", k), ALWAYS).text for k in range(10)]
    again = [augment_document(SEED_LIKE, GAZ, variant_rng(7, "s", k), ALWAYS).text for k in range(10)]
    assert first == again
    assert len(set(first)) == 10


def test_attached_lam_never_meets_the_article() -> None:
    doc = sentence("انسحب مقاتلون لحزب الله من المنطقة", ("حزب الله", "MILITIA"))
    for k in range(20):
        out = augment_document(doc, GAZ, random.Random(k), ALWAYS)
        assert not out.span_text(out.spans[0]).startswith("ال"), out.text


def test_attached_prefix() -> None:
    assert attached_prefix("وحزب الله", 1) == "و"
    assert attached_prefix("في حلب", 3) == ""


def test_casualty_rewrite_respects_the_counted_noun() -> None:
    plural = sentence("قتل 5 عناصر", ("5", "CASUALTY"))
    for k in range(30):
        value = parse_number(rewrite_casualty(plural.text, plural.spans[0], random.Random(k), ["words"]))
        assert value is not None and 3 <= value <= 10
    dual = sentence("قتل عنصران", ("عنصران", "CASUALTY"))
    assert rewrite_casualty(dual.text, dual.spans[0], random.Random(0), ["digits"]) is None


def test_probability_zero_changes_nothing() -> None:
    never = AugmentOptions(0.0, 0.0, 0.0)
    assert augment_document(SEED_LIKE, GAZ, random.Random(3), never) == SEED_LIKE


def test_state_forces_are_swapped_but_never_labelled() -> None:
    gaz = Gazetteers(GAZ.militias, GAZ.places, ("قوات النظام", "الجيش العراقي", "القوات الروسية"))
    texts = set()
    for k in range(20):
        out = augment_document(SEED_LIKE, gaz, variant_rng(2, "s", k), ALWAYS)
        assert validate_document(out) == []
        assert len(out.spans) == len(SEED_LIKE.spans)
        forces = [f for f in gaz.state_forces if f in out.text]
        assert len(forces) == 1 and not any(out.span_text(s) == forces[0] for s in out.spans)
        texts.add(forces[0])
    assert len(texts) > 1


DECORATED = AugmentOptions(0.0, 0.0, 0.0, ("digits",), quote_mentions=1.0, tatweel_mentions=1.0)


@pytest.mark.parametrize("variant", range(20))
def test_decorated_mentions_keep_quotes_outside_and_tatweel_inside(variant: int) -> None:
    doc = sentence("قتل 3 من عناصر لحزب الله وحزب الله في حلب", ("3", "CASUALTY"), ("حزب الله", "MILITIA"),
                   ("حزب الله", "MILITIA"), ("حلب", "PLACE"))
    out = augment_document(doc, GAZ, variant_rng(3, "d", variant), DECORATED)
    assert validate_document(out) == []
    surfaces = [out.span_text(s) for s in out.spans]
    assert [s.replace("ـ", "") for s in surfaces] == ["3", "حزب الله", "حزب الله", "حلب"]
    assert all("ـ" in s for s in surfaces[1:3])  # every joining mention got a tatweel
    for span in out.spans[1:]:
        assert out.text[span.start - 1] in '"“«' and out.text[span.end] in '"”»'
    assert 'لـ"' in out.text or "لـ“" in out.text or "لـ«" in out.text  # لـ"..." after the proclitic ل


def test_names_already_quoted_are_not_quoted_again() -> None:
    doc = sentence('قتل عناصر من "حزب الله" أمس', ("حزب الله", "MILITIA"))
    out = augment_document(doc, GAZ, random.Random(0), AugmentOptions(0.0, 0.0, 0.0, quote_mentions=1.0))
    assert out.text == doc.text

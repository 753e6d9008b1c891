"""Invented names: mentions renamed in place, context and offsets kept."""

from __future__ import annotations

import random

import pytest

from arner.invent import (
    ARTICULATION_GROUPS,
    DIRECTION_ADJECTIVES,
    invent_like,
    invented_root,
    rename_mentions,
)
from arner.spans import Document, Span, validate_document
from support import make_doc

ARTICLE = make_doc(
    "a",
    "قُتل 3 عناصر من لواء الباقر وقسد في ريف حلب الشمالي، وقصفت الطائرات قرية تل رفعت، ثم عادت إلى تل رفعت",
    [("3", "CASUALTY"), ("لواء الباقر", "MILITIA"), ("قسد", "MILITIA"), ("ريف حلب الشمالي", "PLACE"),
     ("تل رفعت", "PLACE"), ("تل رفعت", "PLACE")],
)


@pytest.mark.parametrize("seed", range(20))
def test_renamed_document_keeps_context_labels_and_offsets(seed: int) -> None:
    out = rename_mentions(ARTICLE, 1.0, random.Random(seed), avoid={"حلب"})
    assert validate_document(out) == []
    assert [s.label for s in out.spans] == [s.label for s in ARTICLE.spans]
    surfaces = [out.span_text(s) for s in out.spans]
    assert surfaces[0] == "3"  # numbers are never renamed
    assert surfaces[1].startswith("لواء ") and surfaces[1] != "لواء الباقر"  # the head word stays
    assert surfaces[2] != "قسد" and " " not in surfaces[2]
    assert surfaces[3].startswith("ريف ") and surfaces[3].endswith(" الشمالي") and "حلب" not in surfaces[3]
    assert surfaces[4] == surfaces[5] != "تل رفعت"  # one surface, one invented name
    # the words between the spans are the original's
    assert out.text.startswith("قُتل 3 عناصر من ") and " وقصفت الطائرات قرية " in out.text
    assert out.text[out.spans[2].start - 1] == "و"  # the proclitic before قسد survives


def test_rate_zero_leaves_the_document_and_rate_is_a_share() -> None:
    assert rename_mentions(ARTICLE, 0.0, random.Random(0)) is ARTICLE
    renamed = [rename_mentions(ARTICLE, 0.3, random.Random(seed)).text != ARTICLE.text for seed in range(200)]
    # four distinct MILITIA/PLACE surfaces: P(no rename) = 0.7 ** 4, about a quarter
    assert 0.6 < sum(renamed) / len(renamed) < 0.9


def test_renaming_is_deterministic() -> None:
    assert rename_mentions(ARTICLE, 0.5, random.Random(7)) == rename_mentions(ARTICLE, 0.5, random.Random(7))


def test_after_a_glued_lam_no_invented_name_takes_the_article() -> None:
    doc = make_doc("l", "أعلنت الحكومة دعمها لمأرب ولحزب الإصلاح", [("مأرب", "PLACE"), ("حزب الإصلاح", "MILITIA")])
    for seed in range(50):
        out = rename_mentions(doc, 1.0, random.Random(seed))
        place = out.span_text(out.spans[0])
        # ل + ال is written لل: an ال-name would leave its alef outside the word
        assert not place.startswith("ال"), place
        assert out.text[out.spans[0].start - 1] == "ل"


@pytest.mark.parametrize("surface,label", [
    ('لواء "فاطميون"', "MILITIA"),  # quotes inside the name
    ("الميليشيات الإيرانية", "MILITIA"),  # a description, not a name
    ("الطريق الدولي M4", "PLACE"),  # Latin letters and digits
    ("الحدود السورية – العراقية", "PLACE"),
])
def test_mentions_that_are_not_plain_names_stay_as_written(surface: str, label: str) -> None:
    assert invent_like(surface, label, random.Random(0)) is None


def test_names_to_avoid_are_never_invented() -> None:
    doc = make_doc("v", "قصف على الرقة", [("الرقة", "PLACE")])
    first = rename_mentions(doc, 1.0, random.Random(0))
    drawn = first.span_text(first.spans[0])
    # the same draws with that name forbidden: it is rejected and another one drawn
    again = rename_mentions(doc, 1.0, random.Random(0), avoid={drawn})
    assert again.span_text(again.spans[0]) not in {drawn, "الرقة"}


def test_invented_roots_keep_apart_letters_of_one_articulation_group() -> None:
    rng = random.Random(0)
    for _ in range(500):
        root = invented_root(rng)
        assert all(sum(ch in group for ch in root) <= 1 for group in ARTICULATION_GROUPS), root


def test_a_nisba_plural_group_name_stays_a_nisba_plural() -> None:
    rng = random.Random(2)
    assert all(invent_like("الحوثيين", "MILITIA", rng).endswith("يين") for _ in range(20))
    assert all(invent_like("الحوثيون", "MILITIA", rng).endswith("يون") for _ in range(20))


def test_a_direction_adjective_alone_is_not_taken_for_a_tail() -> None:
    assert "الشرقية" in DIRECTION_ADJECTIVES
    out = invent_like("الغوطة الشرقية", "PLACE", random.Random(4))
    assert out is not None and out.endswith(" الشرقية") and "الغوطة" not in out


def test_document_extra_and_id_survive() -> None:
    doc = Document("x", "هاجم داعش", (Span(5, 9, "MILITIA"),), {"source": "w1"})
    out = rename_mentions(doc, 1.0, random.Random(0))
    assert out.id == "x" and out.extra == {"source": "w1"}

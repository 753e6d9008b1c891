"""Recall split by whether a gold name was a training span: the memorisation check."""

from __future__ import annotations

import pytest

from arner.metrics.novelty import known_surfaces, novelty_recall, surface_key
from arner.spans import Document, Span

TRAIN_TEXT = "قصف على دير الزور استهدف حزب الله"


@pytest.fixture
def known(doc_from_marks) -> frozenset:
    return known_surfaces([doc_from_marks("t", TRAIN_TEXT, [("دير الزور", "PLACE"), ("حزب الله", "MILITIA")])])


def test_surfaces_compare_after_light_normalisation_and_space_collapsing() -> None:
    assert surface_key("ديـــر  الزورِ") == surface_key("دير الزور") == "دير الزور"
    assert surface_key("إسرائيل") != surface_key("اسرائيل")  # spellings stay apart


def test_seen_and_unseen_names_are_counted_per_label(doc_from_marks, known: frozenset) -> None:
    gold = [doc_from_marks("e1", "قتل 3 من حزب الله في ديـر الزور والقائم",
                           [("3", "CASUALTY"), ("حزب الله", "MILITIA"), ("ديـر الزور", "PLACE"), ("القائم", "PLACE")])]
    found = [s for s in gold[0].spans if s.label != "CASUALTY" and gold[0].span_text(s) != "القائم"]
    scores = novelty_recall(gold, [gold[0].with_spans(found)], known, labels=["MILITIA", "PLACE", "CASUALTY"],
                            bootstrap=0)
    assert scores["seen"] == {"support": 2, "found": 2, "recall": 1.0}
    assert scores["unseen"] == {"support": 2, "found": 0, "recall": 0.0}
    assert scores["per_label"]["PLACE"]["unseen"]["support"] == 1
    assert scores["per_label"]["CASUALTY"]["unseen"]["support"] == 1
    assert scores["per_label"]["MILITIA"]["unseen"]["support"] == 0


def test_a_known_surface_under_another_label_is_unseen(doc_from_marks, known: frozenset) -> None:
    gold = [doc_from_marks("e", "انسحب حزب الله", [("حزب الله", "PLACE")])]
    scores = novelty_recall(gold, gold, known, labels=["PLACE"], bootstrap=0)
    assert scores["unseen"]["found"] == 1 and scores["seen"]["support"] == 0


def test_a_boundary_error_is_not_found_and_intervals_cover_the_recall(doc_from_marks, known: frozenset) -> None:
    gold = [doc_from_marks(f"e{i}", "قصف على الميادين والبوكمال", [("الميادين", "PLACE"), ("البوكمال", "PLACE")])
            for i in range(6)]
    preds = [g.with_spans([g.spans[0], Span(g.spans[1].start - 1, g.spans[1].end, "PLACE")]) if i % 2 else g
             for i, g in enumerate(gold)]
    scores = novelty_recall(gold, preds, known, labels=["PLACE"], bootstrap=200, seed=1)
    unseen = scores["unseen"]
    assert (unseen["found"], unseen["support"]) == (9, 12)
    low, high = unseen["recall_ci"]
    assert low <= 0.75 <= high and high <= 1.0
    missing = novelty_recall(gold, [], known, labels=["PLACE"], bootstrap=0)
    assert missing["unseen"]["found"] == 0  # a document without predictions finds nothing

"""The gazetteer lookup floor: longest match, proclitics, state forces, the casualty rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from arner.baseline import GazetteerTagger, score_floor
from arner.gazetteers import Gazetteers, Militia, Place, load_gazetteers
from arner.metrics import evaluate_documents
from arner.spans import Document

from support import DATA

GAZ = Gazetteers(
    (Militia("هيئة تحرير الشام", ("تحرير الشام",), "Syria", "named"),
     Militia("لواء فاطميون", ('لواء "فاطميون"',), "Syria", "named")),
    (Place("دير الزور", "city", "Syria"), Place("ريف دير الزور", "region", "Syria"), Place("الموصل", "city", "Iraq")),
    ("قوات النظام",),
)


def found(text: str) -> list[tuple[str, str]]:
    doc = GazetteerTagger(GAZ).predict([Document("d", text)])[0]
    return [(doc.span_text(s), s.label) for s in doc.spans]


def test_longest_match_wins_and_proclitics_stay_outside() -> None:
    assert found("اشتباكات في ريف دير الزور وبدير الزور") == [("ريف دير الزور", "PLACE"), ("دير الزور", "PLACE")]
    assert found("عناصر لهيئة تحرير الشام للموصل") == [("هيئة تحرير الشام", "MILITIA"), ("لموصل", "PLACE")]


def test_quotes_tatweel_and_diacritics_are_folded_but_offsets_stay_raw() -> None:
    assert found('مقاتلو لواء "فاطميون" و"تحرير الشـــام"') == [
        ('لواء "فاطميون"', "MILITIA"), ("تحرير الشـــام", "MILITIA")]


def test_casualty_numbers_need_a_killed_or_wounded_word_nearby() -> None:
    assert found("قُتل خمسة عشر شخصاً وأصيب عنصرين") == [("خمسة عشر", "CASUALTY"), ("عنصرين", "CASUALTY")]
    assert found("شنت الطائرات 10 غارات واعتقلت 12 شاباً") == []
    assert found("لقي خمسة حتفهم وجُرح 7") == [("خمسة", "CASUALTY"), ("7", "CASUALTY")]


def test_a_state_force_blocks_its_words() -> None:
    assert found("قتل 3 من قوات النظام") == [("3", "CASUALTY")]


def test_floor_on_the_seed_article_beats_nothing_and_sits_below_gold(doc_from_marks) -> None:
    gold = [doc_from_marks("s", "قتل 4 من هيئة تحرير الشام في دير الزور وحلب",
                           [("4", "CASUALTY"), ("هيئة تحرير الشام", "MILITIA"), ("دير الزور", "PLACE"), ("حلب", "PLACE")])]
    perfect = evaluate_documents(gold, gold, bootstrap=0)
    floor = score_floor(gold, perfect, GAZ, labels=("MILITIA", "PLACE", "CASUALTY"), bootstrap=0)
    assert floor["span_exact"]["micro"]["tp"] == 3 and floor["span_exact"]["micro"]["fn"] == 1
    assert floor["compare"]["delta"] == pytest.approx(1.0 - 6 / 7)


def test_project_gazetteers_load_and_tag_the_seed(root: Path) -> None:
    tagger = GazetteerTagger(load_gazetteers(DATA / "gazetteers"))
    (doc,) = tagger.predict([Document("seed", (DATA / "seed" / "article.txt").read_text(encoding="utf-8"))])
    assert sum(s.label == "PLACE" for s in doc.spans) >= 15

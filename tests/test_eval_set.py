"""The held-out evaluation set: size, label counts and its share of unseen names."""

from __future__ import annotations

from collections import Counter

import pytest

from arner.gazetteers import load_gazetteers, unseen_share
from arner.spans import read_jsonl

from support import DATA

EVAL = DATA / "eval" / "conflict_news.spans.jsonl"


@pytest.fixture(scope="module")
def docs():
    return read_jsonl(EVAL)


def test_size_and_label_counts(docs) -> None:
    assert len(docs) >= 150
    counts = Counter(s.label for d in docs for s in d.spans)
    assert min(counts[label] for label in ("MILITIA", "PLACE", "CASUALTY")) >= 100, counts


@pytest.mark.parametrize("label", ["MILITIA", "PLACE"])
def test_at_least_30_percent_of_names_are_unseen(docs, label: str) -> None:
    gazetteers = load_gazetteers(DATA / "gazetteers")
    seed_text = (DATA / "seed" / "article.txt").read_text(encoding="utf-8")
    surfaces = [d.span_text(s) for d in docs for s in d.spans if s.label == label]
    share = unseen_share(surfaces, gazetteers, seed_text)
    assert share >= 0.30, f"{label}: only {share:.1%} unseen"


def test_no_span_swallows_a_proclitic_before_the_article(docs) -> None:
    bad = [d.span_text(s) for d in docs for s in d.spans if d.span_text(s).startswith(("وال", "بال", "فال", "كال"))]
    assert bad == [], bad


def test_eval_texts_never_appear_in_seed() -> None:
    seed = (DATA / "seed" / "article.txt").read_text(encoding="utf-8")
    assert not [d.id for d in read_jsonl(EVAL) if d.text in seed]

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


# ---------------------------------------------------------------- novel_names.spans.jsonl

NOVEL = DATA / "eval" / "novel_names.spans.jsonl"


@pytest.fixture(scope="module")
def novel():
    return read_jsonl(NOVEL)


@pytest.fixture(scope="module")
def written():
    """The written training corpus, every file."""
    return [d for path in sorted((DATA / "train").glob("*.spans.jsonl")) for d in read_jsonl(path)]


def test_novel_names_set_size_and_label_counts(novel) -> None:
    assert len(novel) >= 100
    counts = Counter(s.label for d in novel for s in d.spans)
    assert counts["PLACE"] >= 300 and counts["MILITIA"] >= 100 and counts["CASUALTY"] >= 100, counts


def test_two_thirds_of_novel_set_names_are_neither_trained_on_nor_listed(novel, written) -> None:
    """The set's point: names a model can only read from their context."""
    from arner.metrics.novelty import known_surfaces, surface_key

    known = {key for key, _ in known_surfaces([*written, *read_jsonl(DATA / "seed" / "article.spans.jsonl")])}
    known |= {surface_key(name) for name in load_gazetteers(DATA / "gazetteers").all_names()}
    names = [surface_key(d.span_text(s)) for d in novel for s in d.spans if s.label in ("MILITIA", "PLACE")]
    unseen = sum(name not in known for name in names) / len(names)
    assert unseen >= 2 / 3, f"only {unseen:.1%} of the names are new"


def test_novel_set_shares_no_sentence_with_training_or_the_other_sets(novel, written) -> None:
    from arner.dataset import near_duplicates

    assert near_duplicates(novel, [*written, *read_jsonl(EVAL)], threshold=0.3) == []

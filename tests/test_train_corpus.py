"""The written training corpus (data/train): size, validity, writers held out, disjoint from data/eval."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from arner.config import load_config
from arner.dataset import near_duplicates
from arner.coordination import joined_pairs, split_coordinated
from arner.gazetteers import load_gazetteers
from arner.predict import UNCUT_AFTER, clean_spans
from arner.training import known_names
from arner.spans import read_jsonl
from arner.text import QUOTES, TATWEEL

from support import DATA, ROOT

TRAIN = DATA / "train"
EVAL = DATA / "eval" / "conflict_news.spans.jsonl"


@pytest.fixture(scope="module")
def corpus() -> dict[str, list]:
    """Documents per file, validated against the three labels on reading."""
    return {path.name: read_jsonl(path) for path in sorted(TRAIN.glob("*.spans.jsonl"))}


def writer(doc_id: str) -> str:
    return doc_id.split("-")[0]


def test_size_meets_the_issue(corpus) -> None:
    docs = [d for file_docs in corpus.values() for d in file_docs]
    counts = Counter(s.label for d in docs for s in d.spans)
    assert len(docs) >= 1500 and sum(counts.values()) >= 5000, (len(docs), counts)
    assert min(counts.values()) >= 800, counts


def test_dev_writers_never_write_training_files(corpus) -> None:
    dev = {writer(d.id) for name, docs in corpus.items() if name.startswith("dev-") for d in docs}
    train = {writer(d.id) for name, docs in corpus.items() if name.startswith("train-") for d in docs}
    assert dev and train and not dev & train


def test_no_evaluation_sentence_or_near_duplicate_is_in_the_corpus(corpus) -> None:
    eval_docs = read_jsonl(EVAL)
    docs = [d for file_docs in corpus.values() for d in file_docs]
    eval_texts = {d.text.strip() for d in eval_docs}
    assert not [d.id for d in docs if d.text.strip() in eval_texts]
    assert near_duplicates(docs, eval_docs, threshold=0.5) == []


def test_spans_follow_the_edge_rules(corpus) -> None:
    """No span starts or ends on punctuation or tatweel, nor on a quote without its partner
    inside: `"حزب الله" العراقي` may start on one, as `لواء "فاطميون"` ends on one."""
    bad = []
    for docs in corpus.values():
        for doc in docs:
            for span in doc.spans:
                surface = doc.span_text(span)
                quotes = sum(ch in QUOTES for ch in surface)
                if quotes % 2 or re.match(r"^(_|[^\w\"'“”«»])|[^\w\"'“”«»]$", surface) or surface[0] == TATWEEL:
                    bad.append((doc.id, surface))
    assert bad == []


def test_decoding_leaves_every_gold_span_as_written(corpus) -> None:
    """The guideline rules decoding applies (``clean_spans``: edges, nationality and
    descriptive adjectives, lone type words, counts of things and number words after their
    noun) hold in the gold of the corpus and of both evaluation sets, so a model that learnt
    the gold loses nothing to them. Offsets and labels only: a CASUALTY span comes back with
    its parsed value added."""
    files = [*corpus.values(), read_jsonl(EVAL), read_jsonl(DATA / "eval" / "novel_names.spans.jsonl")]
    changed = [(doc.id, doc.span_text(span)) for docs in files for doc in docs for span in doc.spans
               if [(s.start, s.end, s.label) for s in clean_spans(doc.text, [span])] != [(span.start, span.end, span.label)]]
    assert changed == []


def test_the_quickstart_trains_on_the_corpus_and_selects_on_a_held_out_writer() -> None:
    config = load_config(ROOT / "configs" / "quickstart.yaml")
    (written,) = [c for c in config.data.corpora if c.name == "written"]
    assert written.path.endswith("train-*.spans.jsonl") and written.dev_path.endswith("dev-*.spans.jsonl")


def test_coordination_leaves_every_gold_span_as_written(corpus) -> None:
    """Taking coordinated names apart (:mod:`arner.coordination`, with the lexicon and the
    joined names a model trained on the corpus saves) cuts no gold name of the corpus or of
    both evaluation sets: `سيستان وبلوشستان`, `جبل وينان` and `ريف حلب الشمالي والشرقي`
    stay whole, as GUIDELINES writes them."""
    lexicon, joined = known_names(load_gazetteers(DATA / "gazetteers"), [d for docs in corpus.values() for d in docs])
    pairs = joined_pairs(joined, lexicon)
    files = [*corpus.values(), read_jsonl(EVAL), read_jsonl(DATA / "eval" / "novel_names.spans.jsonl")]
    changed = [(doc.id, doc.span_text(span)) for docs in files for doc in docs
               for span in set(doc.spans) - set(split_coordinated(doc.text, doc.spans, lexicon,
                                                                  lone_words=UNCUT_AFTER, joined=pairs))]
    assert "سيستان وبلوشستان" in joined
    assert changed == []

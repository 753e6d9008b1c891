#!/usr/bin/env python
"""Time arner.metrics.evaluate_documents on 10,000 synthetic documents.

Each document is one sentence of the seed article with its gold spans; the
prediction is the gold jittered with a fixed seed: spans dropped, boundaries
moved by a word, labels swapped and spurious spans added, so that every
scoring path (matching, SemEval, seqeval, casualty values) does real work.

    .venv/bin/python benchmarks/evaluate_speed.py [--documents 10000] [--bootstrap 1000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arner.metrics import evaluate_documents  # noqa: E402
from arner.spans import LABELS, Document, Span, read_jsonl, validate_document  # noqa: E402
from arner.text import sentences, tokenize  # noqa: E402

SEED_GOLD = ROOT / "data" / "seed" / "article.spans.jsonl"


def seed_sentences() -> list[Document]:
    """The seed article cut into sentences, spans moved to sentence offsets."""
    article = read_jsonl(SEED_GOLD)[0]
    out = []
    for n, (start, end) in enumerate(sentences(article.text)):
        spans = [
            Span(s.start - start, s.end - start, s.label)
            for s in article.spans
            if s.start >= start and s.end <= end
        ]
        out.append(Document(f"s{n}", article.text[start:end], tuple(spans)))
    return out


def _jitter_span(span: Span, doc: Document, rng: random.Random) -> Span | None:
    roll = rng.random()
    if roll < 0.10:
        return None  # missed
    if roll < 0.20:  # boundary: one word more or one word less
        words = [t for t in tokenize(doc.text) if t.start >= span.end]
        inner = tokenize(doc.text[span.start : span.end])
        if len(inner) > 1:
            return Span(span.start, span.start + inner[-2].end, span.label)
        if words:
            return Span(span.start, words[0].end, span.label)
    if roll < 0.25:
        return Span(span.start, span.end, rng.choice([x for x in LABELS if x != span.label]))
    return span


def jitter(doc: Document, rng: random.Random) -> Document:
    """A plausible prediction for ``doc``; falls back to the gold when a change would overlap."""
    spans = [s for s in (_jitter_span(s, doc, rng) for s in doc.spans) if s is not None]
    if rng.random() < 0.3:
        free = [
            t
            for t in tokenize(doc.text)
            if not any(s.start < t.end and t.start < s.end for s in spans)
        ]
        if free:
            token = rng.choice(free)
            spans.append(Span(token.start, token.end, rng.choice(LABELS)))
    pred = doc.with_spans(spans)
    return pred if not validate_document(pred) else doc


def synthetic(count: int, seed: int = 13) -> tuple[list[Document], list[Document]]:
    rng = random.Random(seed)
    pool = seed_sentences()
    gold, pred = [], []
    for i in range(count):
        base = rng.choice(pool)
        doc = Document(f"doc-{i}", base.text, base.spans)
        gold.append(doc)
        pred.append(jitter(doc, rng))
    return gold, pred


def timed(gold: list[Document], pred: list[Document], bootstrap: int) -> tuple[float, dict]:
    start = time.perf_counter()
    metrics = evaluate_documents(gold, pred, bootstrap=bootstrap, seed=0)
    return time.perf_counter() - start, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    gold, pred = synthetic(args.documents)
    spans = sum(len(d.spans) for d in gold)
    print(f"{len(gold)} documents, {spans} gold spans, {sum(len(d.spans) for d in pred)} predicted")
    timed(gold[:10], pred[:10], 0)  # warm-up: imports (seqeval pulls in sklearn)
    seconds, metrics = timed(gold, pred, 0)
    print(f"evaluate_documents, no bootstrap:          {seconds:6.2f} s")
    seconds, metrics = timed(gold, pred, args.bootstrap)
    print(f"evaluate_documents, bootstrap {args.bootstrap:>5}:       {seconds:6.2f} s")
    start = time.perf_counter()
    for doc in gold:
        tokenize(doc.text, split_clitics=True)
    print(f"for reference, tokenize(split_clitics=True): {time.perf_counter() - start:6.2f} s")
    micro = metrics["span_exact"]["micro"]
    low, high = micro["f1_ci"]
    print(
        f"span_exact micro F1 {micro['f1']:.4f} (95% CI {low:.4f}-{high:.4f}), "
        f"{len(metrics['errors'])} errors"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Does a model read long texts as well as the short documents it was trained on?

Joins a gold file's documents ``--join`` at a time into article-length texts (one
line apart: paragraphs; or one space apart: one long paragraph), predicts them,
cuts the predictions back into the original documents and scores both readings
against the same gold, with a paired bootstrap of joined minus one-by-one.

    .venv/bin/python benchmarks/long_text.py --model runs/quickstart \\
        --gold data/train/dev-w8.spans.jsonl [--join 10] [--separator line|space]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arner.align import entity_labels  # noqa: E402
from arner.corpora import pack_documents  # noqa: E402
from arner.metrics import compare_runs, evaluate_documents  # noqa: E402
from arner.predict import Predictor  # noqa: E402
from arner.spans import Document, Span, read_jsonl  # noqa: E402

SEPARATORS = {"line": "\n", "space": " "}


def unpack(joined: Sequence[Document], originals: Sequence[Document], size: int, separator: str) -> list[Document]:
    """Predictions on joined texts, cut back into the documents that were joined.

    A span that runs across two documents stays with the one it starts in, cut at
    its end: it is scored as the boundary error it is.
    """
    out = []
    for index, packed in enumerate(joined):
        offset = 0
        for doc in originals[index * size : (index + 1) * size]:
            end = offset + len(doc.text)
            spans = [Span(s.start - offset, min(s.end, end) - offset, s.label, s.extra)
                     for s in packed.spans if offset <= s.start < end]
            out.append(doc.with_spans(spans))
            offset = end + len(separator)
    return out


def read_both_ways(predictor: Predictor, gold: Sequence[Document], size: int,
                   separator: str) -> tuple[list[Document], list[Document]]:
    """``(one_by_one, joined)`` predictions, both as the gold's own documents."""
    one_by_one = predictor.predict([g.with_spans(()) for g in gold])
    joined = predictor.predict([d.with_spans(()) for d in pack_documents(gold, size, separator)])
    return one_by_one, unpack(joined, gold, size, separator)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a run directory (train.py output)")
    parser.add_argument("--gold", required=True, help="span JSONL, one short document per line")
    parser.add_argument("--join", type=int, default=10, help="documents per joined text")
    parser.add_argument("--separator", choices=sorted(SEPARATORS), default="line")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.join < 2:
        parser.error(f"--join: at least 2, got {args.join}")
    predictor = Predictor.from_dir(args.model)
    labels = entity_labels(predictor.settings.labels)
    gold = read_jsonl(args.gold, labels=labels)
    separator = SEPARATORS[args.separator]
    one_by_one, joined = read_both_ways(predictor, gold, args.join, separator)
    scores = {}
    for name, preds in (("one by one", one_by_one), ("joined", joined)):
        scores[name] = evaluate_documents(gold, preds, labels=labels, bootstrap=args.bootstrap)
        micro = scores[name]["span_exact"]["micro"]
        interval = [round(x, 4) for x in micro.get("f1_ci") or []]
        print(f"{name:>10}: micro F1 {micro['f1']:.4f} {interval} on {len(gold)} documents")
    delta = compare_runs(scores["joined"]["per_document"], scores["one by one"]["per_document"],
                         samples=args.bootstrap, other_name="one by one")
    chars = sum(len(d.text) for d in gold) / max(1, -(-len(gold) // args.join))
    print(f"joined {args.join} at a time ({args.separator}, {chars:.0f} characters on average, "
          f"line_windows={predictor.settings.line_windows}): {100 * delta['delta']:+.1f} points "
          f"{[round(100 * x, 1) for x in delta['delta_ci'] or []]} against one by one")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Where to set ``model.min_span_score``: strict span micro-F1 of saved predictions
when spans below each confidence are dropped.

Reads the predictions an evaluation saved (``evaluate.py --model RUN --out DIR``
writes ``DIR/predictions.jsonl``, each span with its mean subword confidence) of
models that kept every span, so one run of the model serves every threshold. Prints
one row per threshold: the F1 of each predictions file and their mean.

    .venv/bin/python benchmarks/span_score_sweep.py --gold data/train/dev-w8.spans.jsonl \\
        --pred runs/q_s13/reports/dev/predictions.jsonl runs/q_s14/reports/dev/predictions.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arner.metrics import evaluate_documents  # noqa: E402
from arner.spans import Document, read_jsonl  # noqa: E402

THRESHOLDS = (0.0, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


def above(docs: list[Document], threshold: float) -> list[Document]:
    """``docs`` without the spans whose ``score`` is below ``threshold`` (a span with
    no score is kept, as the predictor keeps it)."""
    return [d.with_spans([s for s in d.spans if s.extra.get("score", 1.0) >= threshold]) for d in docs]


def sweep(gold: list[Document], predictions: list[list[Document]], thresholds=THRESHOLDS) -> list[list[float]]:
    """Micro-F1 of each predictions list at each threshold: ``[threshold][file]``."""
    return [[evaluate_documents(gold, above(pred, t), bootstrap=0)["span_exact"]["micro"]["f1"]
             for pred in predictions] for t in thresholds]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--pred", type=Path, nargs="+", required=True, help="saved predictions.jsonl files")
    parser.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    args = parser.parse_args(argv)
    gold = read_jsonl(args.gold)
    rows = sweep(gold, [read_jsonl(p) for p in args.pred], args.thresholds)
    print(f"{args.gold}: strict span micro-F1 of {len(args.pred)} prediction file(s), spans below the score dropped")
    for t, row in zip(args.thresholds, rows):
        print(f"  min_span_score {t:.2f}: " + "  ".join(f"{f:.4f}" for f in row) + f"  mean {sum(row) / len(row):.4f}")


if __name__ == "__main__":
    main()

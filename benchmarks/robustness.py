#!/usr/bin/env python
"""Does a model read noisy text as well as clean? Character noise of real news.

Scores a model on a gold file as written and on copies rewritten with each kind of
noise that real Arabic news carries and written text rarely does (tatweel, words
broken with a tatweel on each side of a space or with dots after one, diacritics,
Persian letters, invisible marks; :mod:`arner.perturb`), the spans carried to their new offsets,
with a paired bootstrap of each noisy score minus the clean one.

    .venv/bin/python benchmarks/robustness.py --model runs/quickstart \\
        [--gold data/eval/conflict_news.spans.jsonl] [--kinds tatweel persian]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arner.align import entity_labels  # noqa: E402
from arner.metrics import compare_runs, evaluate_documents  # noqa: E402
from arner.perturb import PERTURBATIONS, perturb_documents  # noqa: E402
from arner.predict import Predictor  # noqa: E402
from arner.spans import Document, read_jsonl  # noqa: E402

# Per eligible character: a joining letter (tatweel, broken, dotted), a letter, a ya or kaf, a space;
# militia_spelling: per occurrence of the noun.
DEFAULT_RATES = {"tatweel": 0.05, "broken": 0.05, "dotted": 0.05, "diacritics": 0.1, "persian": 1.0,
                 "invisibles": 0.3, "hamza": 1.0, "final_ya": 1.0, "spacing": 0.5, "militia_spelling": 1.0}


def noisy_predictions(predictor: Predictor, gold: Sequence[Document], kind: str, seed: int) -> list[Document]:
    """Predictions on ``kind``-noisy copies of ``gold``, moved back onto the gold's own text."""
    perturbed = perturb_documents(gold, kind, rate=DEFAULT_RATES[kind], seed=seed)
    preds = predictor.predict([p.noisy.with_spans(()) for p in perturbed])
    return [p.to_original(pred) for p, pred in zip(perturbed, preds)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a run directory (train.py output)")
    parser.add_argument("--gold", default=str(ROOT / "data/eval/conflict_news.spans.jsonl"))
    parser.add_argument("--kinds", nargs="+", choices=sorted(PERTURBATIONS), default=list(DEFAULT_RATES))
    parser.add_argument("--seed", type=int, default=0, help="seeds the noise")
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args(argv)
    predictor = Predictor.from_dir(args.model)
    labels = entity_labels(predictor.settings.labels)
    gold = read_jsonl(args.gold, labels=labels)
    print(f"{args.model} (normalize={predictor.settings.normalize}) on {args.gold}, {len(gold)} documents")
    clean = evaluate_documents(gold, predictor.predict([g.with_spans(()) for g in gold]), labels=labels,
                               bootstrap=args.bootstrap)
    micro = clean["span_exact"]["micro"]
    print(f"{'clean':>10}: micro F1 {micro['f1']:.4f} {[round(x, 4) for x in micro.get('f1_ci') or []]}")
    for kind in args.kinds:
        rate = DEFAULT_RATES[kind]
        noisy = evaluate_documents(gold, noisy_predictions(predictor, gold, kind, args.seed), labels=labels,
                                   bootstrap=args.bootstrap)
        delta = compare_runs(noisy["per_document"], clean["per_document"], samples=args.bootstrap,
                             other_name="clean")
        per_label = " ".join(f"{k} {v['f1']:.3f}" for k, v in noisy["span_exact"]["per_label"].items())
        print(f"{kind:>10}: micro F1 {delta['f1']:.4f} ({per_label}; rate {rate}) "
              f"{100 * delta['delta']:+.1f} points {[round(100 * x, 1) for x in delta['delta_ci'] or []]} against clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())

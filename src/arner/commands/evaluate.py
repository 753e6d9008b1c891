"""Score predicted spans against gold and write a report folder.

    arner evaluate --gold GOLD.jsonl --pred PRED.jsonl --out DIR
    arner evaluate --corpus anercorp --corpus-dir ../shared/corpora/anercorp_camellab \\
        --pred PRED.jsonl --out DIR [--split test] [--label-map MAP.yaml]
    arner evaluate --gold GOLD.jsonl --model RUN_DIR --out DIR   # predict first, then score
    arner evaluate ... --compare OTHER_DIR   # paired bootstrap against another run
    arner evaluate --gold GOLD.jsonl --baseline gazetteer --out DIR   # the lookup floor alone
    arner evaluate --gold GOLD.jsonl --model RUN_DIR --baseline gazetteer --out DIR  # floor beside
    arner evaluate ... --known data/train/*.spans.jsonl   # recall on names unseen there, beside seen

``python evaluate.py ...`` at the repository root is the same command.

With --corpus the gold documents are the corpus sentences as
arner.formats.conll.read_conll reads them: ids ``{corpus}-{split}-{n}`` (n from
1) and texts of the tokens joined by single spaces; --pred must use the same.

DIR gets metrics.json, report.md, confusion.png, errors.jsonl and
per_document.json (what --compare reads), plus predictions.jsonl with --model or
--baseline alone; all at once, by renaming a finished temporary folder into
place, so a failed run leaves DIR as it was. A DIR that holds files already needs
--overwrite. The scoring itself lives in :mod:`arner.metrics` and the writing in
:mod:`arner.report`, so that tests and notebooks call the same functions. Bad
input (an empty gold file too) exits with status 2 and one line on stderr naming
the file, line and document.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from arner.baseline import GazetteerTagger, score_floor
from arner.commands import fail, parse
from arner.gazetteers import load_gazetteers
from arner.corpora import CORPUS_LABEL_MAPS, load_benchmark, load_label_map, mapped_labels
from arner.metrics import EvaluationError, Source, compare_runs, evaluate_documents, read_documents
from arner.metrics.novelty import known_surfaces, novelty_recall
from arner.report import PREDICTIONS_FILE, check_report_folder, load_per_document, novelty_line, write_report
from arner.spans import LABELS, SpanError


def build_parser(prog: str = "arner evaluate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    gold = parser.add_mutually_exclusive_group(required=True)
    gold.add_argument("--gold", type=Path, help="gold documents, JSONL interchange format")
    gold.add_argument(
        "--corpus", choices=sorted(CORPUS_LABEL_MAPS), help="take the gold from a public corpus"
    )
    parser.add_argument(
        "--corpus-dir", type=Path,
        help="folder of the --corpus files (ANERcorp: downloaded and checked when absent)",
    )
    parser.add_argument("--split", default="test", help="corpus split (default: test)")
    parser.add_argument(
        "--label-map", type=Path, help="YAML corpus label -> arner label or null (with --corpus)"
    )
    pred = parser.add_mutually_exclusive_group()
    pred.add_argument("--pred", type=Path, help="predicted documents, JSONL, same ids and texts")
    pred.add_argument(
        "--model", type=Path, metavar="RUN_DIR",
        help="a trained run directory: predict the gold texts first (saved as DIR/predictions.jsonl)",
    )
    parser.add_argument(
        "--baseline", choices=("gazetteer",),
        help="score the longest-match gazetteer lookup (arner.baseline): alone, or beside "
        "--pred/--model with a paired bootstrap of the difference",
    )
    parser.add_argument(
        "--gazetteers", type=Path, default=Path("data/gazetteers"),
        help="with --baseline: the gazetteer folder (default: data/gazetteers)",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "bf16", "fp16"), default="float32",
        help="with --model: the precision it predicts in, as predict.py --dtype (default: float32)",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the report (created)")
    parser.add_argument("--overwrite", action="store_true", help="replace the report already in --out")
    parser.add_argument(
        "--labels",
        nargs="+",
        help=f"labels to score (default: {' '.join(LABELS)}, "
        "or those the corpus label map produces); commas also separate",
    )
    parser.add_argument(
        "--bootstrap", type=int, default=1000, help="bootstrap resamples, 0 for none (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="OTHER_DIR",
        help="another evaluation folder on the same gold: "
        "paired bootstrap of the micro-F1 difference",
    )
    parser.add_argument(
        "--known", type=Path, nargs="+", metavar="SPANS.jsonl",
        help="span files a model was trained on: recall on gold names unseen in them, beside seen "
        "(arner.metrics.novelty)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    return parser


def _check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not args.corpus and (args.corpus_dir or args.label_map):
        parser.error("--corpus-dir and --label-map go with --corpus")
    if args.pred is None and args.model is None and args.baseline is None:
        parser.error("one of --pred, --model or --baseline is required")
    if args.dtype != "float32" and args.model is None:
        parser.error("--dtype goes with --model")
    if args.bootstrap < 0:
        parser.error(f"--bootstrap must be 0 or more, got {args.bootstrap}")


def _labels(args: argparse.Namespace, label_map: dict[str, str | None] | None) -> tuple[str, ...]:
    if args.labels:
        return _requested_labels(args)
    return mapped_labels(label_map) if label_map is not None else LABELS


def _requested_labels(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(part for item in args.labels or () for part in item.split(",") if part)


def _readable_labels(args: argparse.Namespace) -> tuple[str, ...]:
    """Labels a JSONL file may hold: ours, and those --labels asks for, so that a corpus kept in
    its own types (ANERcorp's PERS, LOC, ORG, MISC) is read; any other label is still an error."""
    return tuple(dict.fromkeys([*LABELS, *_requested_labels(args)]))


def _gold(args: argparse.Namespace) -> tuple[list[Any], Any, dict[str, str | None] | None]:
    """Gold documents, their source and the label map used (None for a JSONL gold)."""
    if args.gold is not None:
        docs, source = read_documents(args.gold, _readable_labels(args))
        return docs, source, None
    label_map = load_label_map(args.label_map) if args.label_map else CORPUS_LABEL_MAPS[args.corpus]
    corpus_dir = args.corpus_dir or _download(args.corpus)
    docs, path = load_benchmark(args.corpus, corpus_dir, args.split, label_map)
    return docs, Source(str(path)), label_map


def _download(corpus: str) -> Path:
    from arner.download import fetch_anercorp

    if corpus != "anercorp":
        raise EvaluationError(f"--corpus {corpus} needs --corpus-dir (only ANERcorp is downloaded)")
    return fetch_anercorp()


def predict_gold(run_dir: Path, gold: list[Any], dtype: str = "float32") -> list[Any]:
    """The batch predictor's documents for the gold texts."""
    from arner.predict import Predictor

    predictor = Predictor.from_dir(run_dir, dtype=dtype)
    return predictor.predict([doc.with_spans(()) for doc in gold])


def _predictions(args: argparse.Namespace, gold: list[Any], gazetteers) -> tuple[list[Any], Any, list[Any] | None]:
    """Predicted documents, their source, and the documents to save in the report (None for --pred)."""
    if args.pred is not None:
        return (*read_documents(args.pred, _readable_labels(args)), None)
    if args.model is not None:
        made = predict_gold(args.model, gold, args.dtype)
    else:  # the floor alone is the prediction
        made = GazetteerTagger(gazetteers).predict([d.with_spans(()) for d in gold])
    # named as the file they are saved to, a line each in this order
    return made, Source(str(args.out / PREDICTIONS_FILE), {d.id: n for n, d in enumerate(made, start=1)}), made


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Score, compare if asked, write the report folder; returns the metrics."""
    check_report_folder(args.out, overwrite=args.overwrite)  # fail before the long part
    if args.pred is not None and args.pred.resolve().is_relative_to(args.out.resolve()):
        raise EvaluationError(f"{args.pred}: is inside --out {args.out}, which the new report replaces whole; "
                              "give predictions from another folder")
    other = load_per_document(args.compare) if args.compare else None
    gold, gold_source, label_map = _gold(args)
    if not gold:
        raise EvaluationError(f"{gold_source.name}: no gold documents to score against")
    gazetteers = load_gazetteers(args.gazetteers) if args.baseline else None
    pred, pred_source, made = _predictions(args, gold, gazetteers)
    if args.pred is None and args.model is None:
        gazetteers = None  # the floor was the prediction: no floor beside it
    metrics = evaluate_documents(
        gold,
        pred,
        labels=_labels(args, label_map),
        bootstrap=args.bootstrap,
        seed=args.seed,
        gold_source=gold_source,
        pred_source=pred_source,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    metrics["inputs"] = {"gold": gold_source.name, "pred": pred_source.name}
    if label_map is not None:
        metrics["inputs"]["label_map"] = label_map
    if gazetteers is not None:
        metrics["floor"] = score_floor(gold, metrics, gazetteers, labels=metrics["labels"],
                                       bootstrap=args.bootstrap, seed=args.seed)
    if args.known:
        readable = _readable_labels(args)
        known = known_surfaces(doc for path in args.known for doc in read_documents(path, readable)[0])
        metrics["novelty"] = novelty_recall(gold, pred, known, labels=metrics["labels"],
                                            bootstrap=args.bootstrap, seed=args.seed)
    if other is not None:
        metrics["compare"] = compare_runs(
            metrics["per_document"],
            other,
            samples=args.bootstrap,
            seed=args.seed,
            other_name=str(args.compare),
        )
    write_report(metrics, args.out, predictions=made, overwrite=args.overwrite)
    return metrics


def main(argv: Sequence[str] | None = None, prog: str = "arner evaluate") -> int:
    args = parse(build_parser(prog), argv, check=_check_args)
    if isinstance(args, int):
        return args
    try:
        metrics = run(args)
    except (SpanError, EvaluationError, OSError, RuntimeError, ValueError) as err:
        return fail(err)
    if not args.quiet:
        micro = metrics["span_exact"]["micro"]
        print(
            f"span_exact micro P {micro['precision']:.4f} R {micro['recall']:.4f} "
            f"F1 {micro['f1']:.4f} on {metrics['documents']} documents; "
            f"report in {args.out / 'report.md'}"
        )
        if "floor" in metrics:
            compare = metrics["floor"]["compare"]
            print(f"gazetteer lookup floor micro F1 {compare['other_f1']:.4f}; "
                  f"model minus floor {compare['delta']:+.4f} {compare['delta_ci'] or ''}")
        if "novelty" in metrics:
            print(novelty_line(metrics["novelty"]))
    return 0


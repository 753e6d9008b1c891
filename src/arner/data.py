"""Data command line: ``arner data build|validate|convert|stats|overlap`` (or ``python -m arner.data ...``).

    python -m arner.data build configs/quickstart.yaml [key=value ...]
    python -m arner.data validate FILE.jsonl [FILE.jsonl ...]
    python -m arner.data convert IN OUT [--from conll|labelstudio|jsonl|inline] [--to jsonl|conll|labelstudio|inline] [--keep-proclitics]
    python -m arner.data stats FILE.jsonl [FILE.jsonl ...]
    python -m arner.data overlap FILE.jsonl [...] --against REF.jsonl [--drop]
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from arner.commands import fail, parse
from arner.config import ConfigError, load_config
from arner.spans import Document, SpanError, label_counts, read_jsonl, write_jsonl

FORMATS = ("jsonl", "conll", "labelstudio", "inline")


def main(argv: list[str] | None = None, prog: str = "python -m arner.data") -> int:
    args = parse(_parser(prog), argv)
    if isinstance(args, int):
        return args
    try:
        return args.run(args)
    except (ConfigError, SpanError, ValueError, FileNotFoundError) as err:
        return fail(err)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="build the seeded dataset from a config")
    build.add_argument("config")
    build.add_argument("overrides", nargs="*", help="key=value overrides, e.g. data.seed=7")
    build.set_defaults(run=run_build)
    validate = commands.add_parser("validate", help="check interchange JSONL files")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(run=run_validate)
    convert = commands.add_parser("convert", help="convert between JSONL, CoNLL and Label Studio")
    convert.add_argument("input")
    convert.add_argument("output")
    convert.add_argument("--from", dest="source", choices=FORMATS, help="default: from the extension")
    convert.add_argument("--to", dest="target", choices=FORMATS, help="default: from the extension")
    convert.add_argument("--no-label-check", action="store_true", help="keep labels other than ours")
    convert.add_argument(
        "--keep-proclitics",
        action="store_true",
        help="CoNLL output: keep و ف ب ل ك attached to their words (default: split as the "
        "evaluation harness's seqeval view does)",
    )
    convert.set_defaults(run=run_convert)
    stats = commands.add_parser("stats", help="documents and spans per label")
    stats.add_argument("files", nargs="+")
    stats.set_defaults(run=run_stats)
    overlap = commands.add_parser("overlap", help="list documents that near-duplicate a reference set")
    overlap.add_argument("files", nargs="+")
    overlap.add_argument("--against", required=True, action="append", help="reference JSONL (repeatable)")
    overlap.add_argument("--threshold", type=float, default=0.5, help="word 5-gram overlap (default 0.5)")
    overlap.add_argument("--drop", action="store_true", help="rewrite each file without its near-duplicates")
    overlap.set_defaults(run=run_overlap)
    return parser


def run_build(args: argparse.Namespace) -> int:
    from arner.dataset import build_dataset, save_dataset, stats_table

    config = load_config(args.config, args.overrides)
    result = build_dataset(config.data)
    out = save_dataset(result, config.data.output_dir)
    print(stats_table(result.stats))
    print(f"duplicate variants skipped: {result.duplicates_skipped}")
    print(f"wrote {out}/dataset (DatasetDict), {out}/{{train,dev,test}}.jsonl, {out}/stats.md")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    for name in args.files:
        docs = read_jsonl(name)
        print(f"{name}: {len(docs)} documents, {sum(len(d.spans) for d in docs)} spans: ok")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    for name in args.files:
        docs = read_jsonl(name, labels=None)
        counts = label_counts(docs)
        listing = ", ".join(f"{label} {count}" for label, count in counts.items())
        print(f"{name}: {len(docs)} documents; {listing}")
    return 0


def run_overlap(args: argparse.Namespace) -> int:
    """Exit 1 when near-duplicates remain (0 after --drop removed them)."""
    from arner.dataset import near_duplicates

    references = [doc for name in args.against for doc in read_jsonl(name, labels=None)]
    found_any = False
    for name in args.files:
        docs = read_jsonl(name, labels=None)
        found = near_duplicates(docs, references, threshold=args.threshold)
        for doc_id, ref_id, share in found:
            print(f"{name}: {doc_id} overlaps {ref_id} ({share:.2f} of word 5-grams)")
        if found and args.drop:
            dropped = {doc_id for doc_id, _, _ in found}
            write_jsonl([d for d in docs if d.id not in dropped], name)
            print(f"{name}: {len(dropped)} document(s) dropped, {len(docs) - len(dropped)} kept")
        found_any |= bool(found) and not args.drop
    return 1 if found_any else 0


def run_convert(args: argparse.Namespace) -> int:
    source = args.source or guess_format(args.input)
    target = args.target or guess_format(args.output)
    if args.keep_proclitics and target != "conll":
        raise ValueError(f"{args.output}: --keep-proclitics applies to CoNLL output, not {target}")
    docs = read_documents(args.input, source, check_labels=not args.no_label_check)
    try:
        count = write_documents(docs, args.output, target, keep_proclitics=args.keep_proclitics)
    except SpanError as err:  # a document the target cannot hold: name where it came from
        untouched = f"; {args.output} not written" if target == "conll" else ""
        raise SpanError(f"{args.input}: {err}{untouched}") from None
    print(f"converted {count} documents from {source} {args.input} to {target} {args.output}")
    return 0


def guess_format(path: str) -> str:
    """The format a file name implies: ``.jsonl``, ``.json`` (Label Studio), ``.inline.txt``
    (``[[LABEL|surface]]`` markup) or CoNLL.

    >>> guess_format("batch.inline.txt"), guess_format("corpus.txt")
    ('inline', 'conll')
    """
    if Path(path).name.lower().endswith((".inline.txt", ".inline")):
        return "inline"
    suffix = Path(path).suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".json":
        return "labelstudio"
    if suffix in (".conll", ".txt", ".iob", ".bio", ".tsv"):
        return "conll"
    raise ValueError(f"{path}: cannot tell the format from {suffix!r}; give --from/--to")


def read_documents(path: str, fmt: str, *, check_labels: bool = True) -> list[Document]:
    """Read any supported format into validated documents (one converter per format)."""
    from arner.formats import conll, inline, labelstudio
    from arner.spans import LABELS

    if fmt == "jsonl":
        return read_jsonl(path, labels=LABELS if check_labels else None)
    if fmt == "inline":
        return inline.read_inline(path, labels=LABELS if check_labels else None)
    if fmt == "conll":
        report = conll.ConllReport()
        docs = conll.read_conll(path, report=report)
        print(f"read {path}: {report}", file=sys.stderr)
        return docs
    report = labelstudio.LabelStudioReport()
    docs = labelstudio.import_tasks(path, report=report)
    print(f"read {path}: {report.tasks} tasks, {report.regions} regions, "
          f"{report.fixed} fixed, {report.rejected} rejected", file=sys.stderr)
    for message in report.messages:
        print(f"  {message}", file=sys.stderr)
    return docs


def write_documents(
    docs: list[Document], path: str, fmt: str, *, keep_proclitics: bool = False
) -> int:
    """Write ``docs`` in ``fmt``; CoNLL words are the harness's (see
    :func:`arner.metrics.harness_words`), so seqeval on the file agrees with the
    harness's own seqeval view."""
    from arner.formats import conll, inline, labelstudio

    if fmt == "jsonl":
        return write_jsonl(docs, path)
    if fmt == "inline":
        Path(path).write_text("".join(inline.to_inline(d) + "\n" for d in docs), encoding="utf-8")
        return len(docs)
    if fmt == "conll":
        from arner.metrics import harness_words

        words = partial(harness_words, keep_proclitics=keep_proclitics)
        return conll.write_conll(docs, path, tokenizer=words)
    return labelstudio.export_tasks(docs, path)


if __name__ == "__main__":
    sys.exit(main())

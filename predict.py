"""Tag documents with a trained model.

    python predict.py --model RUN_DIR --input PATH [PATH ...] --output OUT.jsonl

Inputs: JSONL (``id`` and ``text``; see --id-field/--text-field), .txt files (one
document each, or one a line with --lines), directories (their *.txt and
*.jsonl, recursively), globs, and - for stdin (JSONL, or text lines with --lines).
Output: one JSONL line per document: id, raw text, spans with start/end (offsets
into the raw text), label, text, score and, for CASUALTY, the parsed value.

Every output line names the model (``arner_model``: run folder and weights hash).
Bad records go to OUT.errors.jsonl and the run goes on; the exit status is 1
when anything failed, 2 when the run could not start or its output could not be
written (disk full). --resume continues a run that was stopped, killed or cut
short by a full disk, with the same model. --format conll|labelstudio also writes OUT.conll or
OUT.labelstudio.json (Label Studio pre-annotations; import corrected tasks back
with ``python -m arner.data convert X.json Y.jsonl``).
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="predict.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--model", required=True, help="run directory (model, tokenizer and arner.json)")
    parser.add_argument("--input", required=True, nargs="+", metavar="PATH", help="files, directories, globs or -")
    parser.add_argument("--output", required=True, metavar="OUT.jsonl")
    parser.add_argument("--lines", action="store_true", help="text inputs hold one document per line")
    parser.add_argument("--text-field", default="text", help="JSONL field holding the text (default: text)")
    parser.add_argument("--id-field", default="id", help="JSONL field holding the id (default: id)")
    parser.add_argument("--format", choices=("conll", "labelstudio"), action="append", default=[],
                        help="also write OUT.conll or OUT.labelstudio.json (repeatable)")
    parser.add_argument("--resume", action="store_true", help="skip ids already in OUT and append")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    parser.add_argument("--batch-size", type=_positive, default=32, help="windows per forward pass (default: 32)")
    parser.add_argument("--chunk-size", type=_positive, default=256,
                        help="documents read, predicted and written at a time (default: 256)")
    parser.add_argument("--threads", type=_positive, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--dtype", choices=("float32", "bf16", "fp16"), default="float32",
                        help="fp16 on CUDA, bf16 on CUDA or a CPU with native bf16 (default: float32)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar with documents per second (default: when stderr is a terminal)")
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from arner.predict_io import (InputListError, OutputError, OutputWriter, ReadOptions, check_output_is_not_input,
                                  expand_inputs)

    try:
        sources = expand_inputs(args.input)
        check_output_is_not_input(sources, args.output, args.input)
        OutputWriter.check(args.output, resume=args.resume, overwrite=args.overwrite)
        predictor, identity = _load(args)
        writer = OutputWriter(args.output, resume=args.resume, overwrite=args.overwrite, model=identity)
    except (InputListError, OutputError, ValueError, OSError, RuntimeError) as err:  # ModelLoadError too
        print(f"error: {err}", file=sys.stderr)
        return 2
    if writer.dropped_tail:
        print(f"note: dropped a cut-off last line ({writer.dropped_tail} bytes) from {writer.path}; "
              "its document is predicted again", file=sys.stderr)
    try:
        return _run(args, predictor, writer, sources, ReadOptions(args.lines, args.text_field, args.id_field))
    except (OutputError, OSError) as err:  # a full disk: the output holds whole chunks only
        print(f"error: {err}", file=sys.stderr)
        return 2


def _load(args: argparse.Namespace):
    """The predictor and the model's identity (run folder name and weights hash)."""
    import torch
    from transformers.utils import logging as hf_logging

    from arner.predict import (Predictor, PreprocessSettings, check_model_files, model_identity, resolve_device,
                               resolve_dtype)

    device = resolve_device(args.device)
    dtype = resolve_dtype(args.dtype, device)
    PreprocessSettings.load(args.model)  # fails fast, naming the file, before any weights load
    check_model_files(args.model)  # and so do the config and the weights' headers
    if args.threads:
        torch.set_num_threads(args.threads)
    hf_logging.disable_progress_bar()  # our own bar and summary are the output on stderr
    predictor = Predictor.from_dir(args.model, batch_size=args.batch_size, device=device, dtype=dtype)
    return predictor, model_identity(args.model)


def _run(args: argparse.Namespace, predictor, writer, sources: list, options) -> int:
    from arner.predict import predict_stream
    from arner.predict_io import ReadStats, iter_documents, write_export

    stats = ReadStats()
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    with writer:
        stdin = sys.stdin.buffer if any(s.path is None for s in sources) else None
        items = iter_documents(sources, options, stdin=stdin, stats=stats)
        counts = predict_stream(predictor, items, writer, chunk_size=args.chunk_size, progress=progress)
    for fmt in dict.fromkeys(args.format):
        path, note = write_export(writer.path, fmt, split_clitics=predictor.settings.split_clitics,
                                  lexicon=predictor.settings.lexicon, model_version=writer.model)
        print(f"wrote {path}: {note}", file=sys.stderr)
    print(counts.summary(writer, stats.blank_lines), file=sys.stderr)
    return 1 if counts.failed else 0


if __name__ == "__main__":
    sys.exit(main())

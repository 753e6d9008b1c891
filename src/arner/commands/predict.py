"""Tag documents with a trained model.

    arner predict --model RUN_DIR --input PATH [PATH ...] --output OUT.jsonl
    python predict.py ...   # the same command, as a file (for accelerate launch)

Inputs: JSONL (``id`` and ``text``; see --id-field/--text-field), .txt files (one
document each, or one a line with --lines), directories (their *.txt and
*.jsonl, recursively), globs, and - for stdin (JSONL, or text lines with --lines).
Output: one JSONL line per document: id, raw text, spans with start/end (offsets
into the raw text), label, text, score and, for CASUALTY, the parsed value.

Every output line names the model (``arner_model``: run folder and weights hash)
and its precision (``arner_dtype``).
Bad records go to OUT.errors.jsonl and the run goes on; the exit status is 1
when anything failed, 2 when the run could not start or its output could not be
written (disk full). --resume continues a run that was stopped, killed or cut
short by a full disk, with the same model. --format conll|labelstudio also writes OUT.conll or
OUT.labelstudio.json (Label Studio pre-annotations; import corrected tasks back
with ``python -m arner.data convert X.json Y.jsonl``).

Several processes: ``accelerate launch --multi_gpu --num_processes N predict.py ...``
(GPUs, or CPU processes through gloo) gives process K the records K, K+N, ...
(bad ones counted) and OUT.part-K-of-N.jsonl;
the main process merges the parts into OUT in input order, the same lines as
one process writes. By hand (a cluster's array job): ``--shard K/N`` per job,
then ``predict.py --merge N --input ... --output OUT``; a missing or unfinished
part stops the merge (exit 2). --resume works per part.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from arner.commands import fail, parse


def build_parser(prog: str = "arner predict") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--model", help="run directory (model, tokenizer and arner.json); required but with --merge")
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
    parser.add_argument("--dtype", choices=("auto", "float32", "bf16", "fp16"), default="auto",
                        help="auto (default): bf16 on CUDA that supports it and on a CPU with native bf16, "
                             "float32 elsewhere; fp16 on CUDA only")
    parser.add_argument("--shard", metavar="K/N",
                        help="predict only shard K of N (K from 0: records K, K+N, ...) into OUT.part-K-of-N.jsonl")
    parser.add_argument("--merge", type=_positive, metavar="N",
                        help="join the N finished parts of OUT in input order (same --input), then delete them")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar with documents per second (default: when stderr is a terminal)")
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def main(argv: Sequence[str] | None = None, prog: str = "arner predict") -> int:
    args = parse(build_parser(prog), argv, check=_check_args)
    if isinstance(args, int):
        return args
    from arner.predict_input import InputListError
    from arner.predict_output import OutputError

    try:
        return _merge(args) if args.merge else _predict(args)
    except (InputListError, OutputError, ValueError, OSError, RuntimeError) as err:  # ModelLoadError too
        return fail(err)  # a full disk too: the output holds whole chunks only


def _check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not (args.model or args.merge):
        parser.error("--model is required (except with --merge)")


def _predict(args: argparse.Namespace) -> int:
    from arner.predict_input import ReadOptions, ReadStats, iter_documents
    from arner.predict_run import load_predictor, mark_part_done, merge_parts, predict_stream

    sources, shard, state = _plan(args)
    device = str(state.device) if state and state.device.type == "cuda" and args.device != "cpu" else args.device
    predictor, identity = load_predictor(args.model, device=device, dtype=args.dtype, batch_size=args.batch_size,
                                         threads=args.threads)
    writer = _writer(args, shard, identity, predictor.dtype)
    if state is None or state.is_main_process:
        print(f"predicting in {predictor.dtype} on {predictor.device}"
              + (" (--dtype auto)" if args.dtype == "auto" else ""), file=sys.stderr)
    options, stats = ReadOptions(args.lines, args.text_field, args.id_field), ReadStats()
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    with writer:
        stdin = sys.stdin.buffer if any(s.path is None for s in sources) else None
        items = iter_documents(sources, options, stdin=stdin, stats=stats)
        counts = predict_stream(predictor, items, writer, chunk_size=args.chunk_size, progress=progress, shard=shard)
    print(counts.summary(writer, stats.blank_lines), file=sys.stderr)
    if shard is None:
        _export(args, args.output, predictor.settings, writer.model)
        return 1 if counts.failed else 0
    mark_part_done(args.output, shard, writer, counts)
    if state is None:
        return 1 if counts.failed else 0  # --shard: predict.py --merge N joins the parts
    state.wait_for_everyone()
    if not state.is_main_process:
        return 0  # the main process reports the whole run
    merged = merge_parts(args.output, shard.count, iter_documents(sources, options))
    return _merged(args, merged, predictor.settings, shard.count)


def _plan(args: argparse.Namespace):
    """The inputs, this process's shard (None for the whole stream) and accelerate's
    state when ``accelerate launch`` started several processes (else None); refuses
    outputs that cannot be written before any weights load."""
    from arner.predict_input import InputListError, check_output_is_not_input, expand_inputs
    from arner.predict_output import OutputWriter
    from arner.predict_run import Shard, launched_processes

    sources = expand_inputs(args.input)
    state = launched_processes(args.device)
    if state is not None and args.shard:
        raise ValueError("--shard is for runs started without accelerate launch, which shards by process")
    shard = Shard.parse(args.shard) if args.shard else state and Shard(state.process_index, state.num_processes)
    if shard is not None and any(s.path is None for s in sources):
        raise InputListError("- (stdin): every shard reads the whole input, so stdin cannot be sharded; give files")
    if shard is not None and args.shard and args.format:
        raise ValueError("--format applies to the merged output: pass it to predict.py --merge")
    parts = [shard.part(args.output)] if shard else []
    for path in [args.output, *parts]:
        check_output_is_not_input(sources, path, args.input)
        OutputWriter.check(path, resume=args.resume, overwrite=args.overwrite)
    if shard is not None:
        shard.marker(args.output).unlink(missing_ok=True)  # this part is unfinished until the run ends
    return sources, shard, state


def _writer(args: argparse.Namespace, shard, identity: str, dtype: str):
    from arner.predict_output import OutputWriter

    path = shard.part(args.output) if shard else args.output
    writer = OutputWriter(path, resume=args.resume, overwrite=args.overwrite, model=identity, dtype=dtype)
    if writer.dropped_tail:
        print(f"note: dropped a cut-off last line ({writer.dropped_tail} bytes) from {writer.path}; "
              "its document is predicted again", file=sys.stderr)
    return writer


def _merge(args: argparse.Namespace) -> int:
    from arner.align import PreprocessSettings
    from arner.predict_input import ReadOptions, expand_inputs, iter_documents
    from arner.predict_output import OutputWriter
    from arner.predict_run import merge_parts

    if args.format and not args.model:
        raise ValueError("--format needs --model (the tokenisation of the export) with --merge")
    settings = PreprocessSettings.load(args.model) if args.model else None
    sources = expand_inputs(args.input)
    OutputWriter.check(args.output, overwrite=args.overwrite)
    items = iter_documents(sources, ReadOptions(args.lines, args.text_field, args.id_field))
    return _merged(args, merge_parts(args.output, args.merge, items), settings, args.merge)


def _merged(args: argparse.Namespace, merged, settings, count: int) -> int:
    print(f"merged {count} parts into {args.output}: {merged.written} documents, "
          f"{merged.failed} failed", file=sys.stderr)
    _export(args, args.output, settings, merged.model)
    return 1 if merged.failed else 0


def _export(args: argparse.Namespace, output: str, settings, model: str | None) -> None:
    from arner.predict_output import write_export

    for fmt in dict.fromkeys(args.format):
        path, note = write_export(output, fmt, split_clitics=settings.split_clitics, lexicon=settings.lexicon,
                                  model_version=model or "arner")
        print(f"wrote {path}: {note}", file=sys.stderr)


"""Running a predictor over input streams for ``predict.py``: chunks, resume, error files.

:mod:`arner.predict` is the model layer (documents in, spans out) and touches
no input or output file; :mod:`arner.predict_input` reads inputs and
:mod:`arner.predict_output` writes the output file. This module joins them:
:func:`load_predictor` loads a run folder for the command line,
:func:`predict_stream` predicts a stream of inputs a chunk at a time into an
:class:`~arner.predict_output.OutputWriter`.

Shards (:class:`Shard`, ``--shard K/N`` or one per process under ``accelerate
launch``) split the input stream by position: record ``i`` (bad records
counted too) belongs to shard ``i mod N``. Each shard writes its own part,
``OUT.part-K-of-N.jsonl``, with the usual resume and errors files, and a
``.done.json`` marker when it has read its whole stream; :func:`merge_parts`
joins finished parts into ``OUT`` in input order, so the merged file has the
same lines as a run in one process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from arner.atomic import replaced_when_done
from arner.predict import Predictor
from arner.predict_input import BadInput, InputDoc
from arner.predict_output import DTYPE_KEY, MODEL_KEY, OutputError, OutputWriter, sibling
from arner.spans import Document


def load_predictor(
    directory: str | Path, *, device: str = "auto", dtype: str = "float32", batch_size: int = 32,
    threads: int | None = None,
) -> tuple[Predictor, str]:
    """The predictor of a run folder and the model's identity (folder name and weights hash).

    The settings, config and weights' headers are checked first, so a broken
    folder fails with one line naming the file before any weights load.
    """
    import torch
    from transformers.utils import logging as hf_logging

    from arner.align import PreprocessSettings
    from arner.predict import check_model_files, model_identity, resolve_device, resolve_dtype

    device = resolve_device(device)
    dtype = resolve_dtype(dtype, device)
    PreprocessSettings.load(directory)
    check_model_files(directory)
    if threads:
        torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()  # our own bar and summary are the output on stderr
    predictor = Predictor.from_dir(directory, batch_size=batch_size, device=device, dtype=dtype)
    return predictor, model_identity(directory)



def launched_processes(device: str = "auto"):
    """accelerate's :class:`~accelerate.PartialState` when ``accelerate launch`` started
    this process as one of several (shard = process index of process count), else None."""
    from datetime import timedelta

    from accelerate import PartialState

    from arner.predict import resolve_device

    # Shards differ in length: the barrier before the merge waits as long as the slowest.
    # cpu=True is what makes accelerate join the processes with gloo on a CPU-only machine.
    state = PartialState(cpu=resolve_device(device) == "cpu", timeout=timedelta(days=7))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if state.num_processes == 1 and world > 1:  # each would write the whole output over the others'
        raise RuntimeError(f"started as one of {world} processes, but accelerate sees one; "
                           "check the device (--device) and the launch command")
    return state if state.num_processes > 1 else None


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (from 0): the records at positions ``index`` modulo ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``K/N`` as ``--shard`` takes it.

        >>> Shard.parse("1/4"), str(Shard.parse("0/2").part("out/preds.jsonl"))
        (Shard(index=1, count=4), 'out/preds.part-0-of-2.jsonl')
        """
        try:
            index, count = (int(x) for x in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard {text!r}: give K/N, e.g. 0/4 (K counts from 0)") from None
        if not 0 <= index < count:
            raise ValueError(f"--shard {text}: K must be 0 to N-1 (K counts from 0)")
        return cls(index, count)

    def owns(self, position: int) -> bool:
        return position % self.count == self.index

    def part(self, output: str | Path) -> Path:
        return sibling(output, f".part-{self.index}-of-{self.count}.jsonl")

    def marker(self, output: str | Path) -> Path:
        """Written when the shard has read its whole stream (its part is then complete)."""
        return sibling(output, f".part-{self.index}-of-{self.count}.done.json")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass
class RunCounts:
    """What :func:`predict_stream` did; ``read`` counts every record, bad ones included."""

    read: int = 0
    written: int = 0
    failed: int = 0
    already_done: int = 0
    seconds: float = 0.0

    def summary(self, writer: OutputWriter, blank_lines: int = 0) -> str:
        rate = (self.written + self.failed) / self.seconds if self.seconds else 0.0
        parts = [f"read {self.read} documents: {self.written} written to {writer.path}",
                 f"{self.failed} failed" + (f" (see {writer.errors_path})" if self.failed else "")]
        if self.already_done:
            parts.append(f"{self.already_done} already in the output (--resume)")
        if blank_lines:
            parts.append(f"{blank_lines} blank line(s) skipped")
        return "; ".join(parts) + f"; {self.seconds:.1f} s, {rate:.1f} docs/s"


def predict_stream(
    predictor: Predictor, items: Iterable[InputDoc | BadInput], writer: OutputWriter, *,
    chunk_size: int = 256, chunk_chars: int = 1_000_000, progress: bool = False, shard: Shard | None = None,
) -> RunCounts:
    """Predict every document of ``items`` (of ``shard``'s, when given) and write it, a chunk at a time.

    A chunk closes at ``chunk_size`` documents or ``chunk_chars`` characters, so
    memory stays flat however long the stream. Bad inputs, repeated ids and
    documents whose prediction raised go to the writer's errors file; the run
    goes on. Ids in ``writer.done`` (``--resume``) are skipped.
    """
    from tqdm import tqdm

    counts, seen = RunCounts(), {}
    chunk: list[InputDoc] = []
    chars = 0
    started = time.perf_counter()
    with tqdm(unit="doc", desc="predict", disable=not progress, mininterval=1.0) as bar:
        for position, item in enumerate(items):
            problem = _problem(item, seen)  # every shard sees every id, so each finds the same repeats
            if shard is not None and not shard.owns(position):
                continue
            counts.read += 1
            if problem is not None:
                writer.error(*problem)
                counts.failed += 1
                bar.update(1)
            elif item.id in writer.done:
                counts.already_done += 1
                bar.update(1)
            else:
                chunk.append(item)
                chars += len(item.text)
                if len(chunk) >= chunk_size or chars >= chunk_chars:
                    _run_chunk(predictor, chunk, writer, counts, bar)
                    chunk, chars = [], 0
        if chunk:
            _run_chunk(predictor, chunk, writer, counts, bar)
    counts.seconds = time.perf_counter() - started
    return counts


def _problem(item: InputDoc | BadInput, seen: dict[str, str]) -> tuple[str, str, str | None] | None:
    """``(where, message, id)`` when ``item`` cannot be predicted; records its id as seen."""
    if isinstance(item, BadInput):
        return item.where, item.message, item.id
    if item.id in seen:
        return item.where, f"document id {item.id!r} repeats the one at {seen[item.id]}", item.id
    seen[item.id] = item.where
    return None


def _run_chunk(predictor: Predictor, chunk: Sequence[InputDoc], writer: OutputWriter, counts: RunCounts, bar) -> None:
    results = _predict_isolating(predictor, [d.document() for d in chunk])
    writer.write([r for r in results if isinstance(r, Document)])
    for item, result in zip(chunk, results):
        if isinstance(result, Exception):
            writer.error(item.where, f"prediction failed: {type(result).__name__}: {result}", item.id)
            counts.failed += 1
        else:
            counts.written += 1
    bar.update(len(chunk))


def _predict_isolating(predictor: Predictor, docs: Sequence[Document]) -> list[Document | Exception]:
    """Predictions for ``docs``; when the batch raises, each document alone, so one
    bad document (or one too big for the device) fails only itself."""
    try:
        return list(predictor.predict(docs))
    except Exception as err:  # noqa: BLE001 - recorded per document in the errors file
        if len(docs) == 1:
            return [err]
        return [r for doc in docs for r in _predict_isolating(predictor, [doc])]


# ---------------------------------------------------------------- parts and their merge


def mark_part_done(output: str | Path, shard: Shard, writer: OutputWriter, counts: RunCounts) -> None:
    """Record that ``shard`` read its whole stream: its part holds every document it owns."""
    record = {"shard": str(shard), MODEL_KEY: writer.model, DTYPE_KEY: writer.dtype,
              "lines": len(writer.done) + counts.written, "failed": counts.failed}
    with _atomic_output(shard.marker(output)) as handle:
        handle.write(json.dumps(record, ensure_ascii=False).encode("utf-8"))


@dataclass
class MergeCounts:
    written: int = 0
    failed: int = 0
    model: str | None = None


def merge_parts(output: str | Path, count: int, items: Iterable[InputDoc | BadInput]) -> MergeCounts:
    """Join the ``count`` finished parts of ``output`` into it, in the order of ``items``
    (the input stream the shards read), and their errors into ``OUT.errors.jsonl``.

    A missing or unfinished part, parts from different models, or a part holding a
    document the inputs do not give its shard is an :class:`OutputError` and
    nothing is written. ``output`` is replaced whole (written beside it, then
    renamed); the parts are removed afterwards.
    """
    output, shards = Path(output), [Shard(k, count) for k in range(count)]
    markers = [_finished(output, shard) for shard in shards]
    models = sorted({str(m.get(MODEL_KEY)) for m in markers})
    if len(models) > 1:
        raise OutputError(f"{output}: its parts were predicted by different models ({', '.join(models)}); "
                          "predict the odd parts again with the same model")
    parts = [_Part(shard, output, marker["lines"]) for shard, marker in zip(shards, markers)]
    errors: list[bytes] = []
    counts = MergeCounts(model=markers[0].get(MODEL_KEY))
    try:
        with _atomic_output(output) as out:
            for position, item in enumerate(items):
                part = parts[position % count]
                line = part.take(item.id) if isinstance(item, InputDoc) else None
                if line is not None:
                    out.write(line)
                    counts.written += 1
                errors += part.errors.pop(item.where, [])
            for part in parts:
                part.check_all_taken()
                errors += [line for lines in part.errors.values() for line in lines]
    finally:
        for part in parts:
            part.close()
    _write_errors(sibling(output, ".errors.jsonl"), errors)
    counts.failed = len(errors)
    for shard in shards:
        for path in (shard.part(output), sibling(shard.part(output), ".errors.jsonl"), shard.marker(output)):
            path.unlink(missing_ok=True)
    return counts


def _finished(output: Path, shard: Shard) -> dict:
    part, marker = shard.part(output), shard.marker(output)
    if not part.exists():
        raise OutputError(f"{part}: missing; run shard {shard} (--shard {shard}) before merging")
    if not marker.exists():
        raise OutputError(f"{part}: shard {shard} has not finished; run it again with --resume, then merge")
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        int(record["lines"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
        raise OutputError(f"{marker}: unreadable ({type(err).__name__}); run shard {shard} again with --resume") \
            from None
    return record


class _Part:
    """A finished part, its lines found by id, and its error lines by input position (``where``)."""

    def __init__(self, shard: Shard, output: Path, lines: int):
        self.shard, self.path = shard, shard.part(output)
        self.offsets: dict[str, int] = {}
        self.handle = self.path.open("rb")
        offset = 0
        for raw in self.handle:
            if not raw.endswith(b"\n"):
                break
            self.offsets[json.loads(raw)["id"]] = offset
            offset += len(raw)
        if len(self.offsets) != lines or offset != self.path.stat().st_size:
            self.close()
            raise OutputError(f"{self.path}: holds {len(self.offsets)} whole lines, but shard {shard} finished "
                              f"with {lines}; run it again with --resume, then merge")
        self.errors: dict[str, list[bytes]] = {}
        errors_path = sibling(self.path, ".errors.jsonl")
        if errors_path.exists():
            for raw in errors_path.read_bytes().splitlines(keepends=True):
                self.errors.setdefault(json.loads(raw)["where"], []).append(raw)

    def take(self, doc_id: str) -> bytes | None:
        offset = self.offsets.pop(doc_id, None)
        if offset is None:
            return None
        self.handle.seek(offset)
        return self.handle.readline()

    def check_all_taken(self) -> None:
        if self.offsets:
            first = next(iter(self.offsets))
            raise OutputError(f"{self.path}: {len(self.offsets)} document(s) of shard {self.shard} are not in "
                              f"the inputs (first: {first!r}); merge with the inputs the shards read")

    def close(self) -> None:
        self.handle.close()


def _write_errors(path: Path, lines: list[bytes]) -> None:
    if not lines:
        path.unlink(missing_ok=True)
        return
    with _atomic_output(path) as handle:
        for line in lines:
            handle.write(line)


@contextmanager
def _atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A binary :func:`~arner.atomic.replaced_when_done` whose write errors (disk full)
    are an :class:`OutputError` naming ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replaced_when_done(path, "wb") as handle:
            yield handle
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None

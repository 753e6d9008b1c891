"""Batch prediction output: the JSONL file of predicted documents, its errors file, exports.

Output (:class:`OutputWriter`): one JSONL line per document, written a chunk
at a time, each line stamped with the model that predicted it (``arner_model``:
run folder name and weights hash) and its precision (``arner_dtype``). With
``resume`` the ids already in the file are skipped, a file another model (or
precision) wrote is refused, and a last line cut short by a kill is dropped (and
its document predicted again), so kill + resume ends with every document exactly
once. A failed write (disk full) is cut back to the last
whole chunk and raised as :class:`OutputError`, so nothing half-written is resumed.
Failures go to ``OUT.errors.jsonl``, one ``{"where", "id", "error"}`` a line.

Exports (:func:`write_export`) turn a finished output into CoNLL or Label Studio
tasks beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from arner.spans import Document, iter_jsonl

__all__ = ["DTYPE_KEY", "MODEL_KEY", "OutputError", "OutputWriter", "output_record", "sibling", "write_export"]

MODEL_KEY = "arner_model"  # on every output line: which model predicted it (see OutputWriter)
DTYPE_KEY = "arner_dtype"  # and in which precision (float32, bf16, fp16)
EXPORTS = {"conll": ".conll", "labelstudio": ".labelstudio.json"}


class OutputError(ValueError):
    """The output file cannot be written or resumed; the message says why and where."""


def sibling(output: str | Path, suffix: str) -> Path:
    """``OUT.jsonl`` -> ``OUT{suffix}`` (a name without ``.jsonl`` just gets the suffix).

    >>> sibling("runs/preds.jsonl", ".errors.jsonl").as_posix()
    'runs/preds.errors.jsonl'
    """
    path = Path(output)
    base = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(base + suffix)


def output_record(doc: Document, model: str | None = None, dtype: str | None = None) -> dict[str, Any]:
    """The output line for a predicted document: the span format of
    :meth:`arner.spans.Document.to_dict` (id, raw text, extra keys, spans) with the
    model's identity and precision before the spans (under :data:`MODEL_KEY` and
    :data:`DTYPE_KEY`, replacing any the input carried).

    >>> from arner.spans import Span
    >>> doc = Document("d", "قتل ٤", (Span(4, 5, "CASUALTY", {"score": 0.9, "value": 4}),))
    >>> output_record(doc)["spans"]
    [{'start': 4, 'end': 5, 'label': 'CASUALTY', 'text': '٤', 'score': 0.9, 'value': 4}]
    """
    record = doc.to_dict()
    spans = record.pop("spans")  # the stamp goes before the spans, which stay last on the line
    if model is not None:
        record[MODEL_KEY] = model
    if dtype is not None:
        record[DTYPE_KEY] = dtype
    record["spans"] = spans
    return record


class OutputWriter:
    """Appends predicted documents to ``path`` and failures to ``OUT.errors.jsonl``.

    Without ``resume`` an existing non-empty output is refused unless
    ``overwrite``. With ``resume`` :attr:`done` holds the ids already written
    and :attr:`dropped_tail` the bytes of a cut-off last line that was removed.

    ``model`` (the identity from :func:`arner.predict.model_identity`) goes on
    every line, one JSONL line per document as before rather than a header
    record, so the file stays the span format every reader takes; ``resume``
    refuses lines another model (or no known model) wrote, and lines written in
    another ``dtype`` than this run's.
    """

    def __init__(self, path: str | Path, *, resume: bool = False, overwrite: bool = False,
                 model: str | None = None, dtype: str | None = None):
        self.path = Path(path)
        self.errors_path = sibling(self.path, ".errors.jsonl")
        self.model = model
        self.dtype = dtype
        self.done: set[str] = set()
        self.dropped_tail = 0
        self.errors_written = 0
        self.check(self.path, resume=resume, overwrite=overwrite)
        if resume:
            self.done, self.dropped_tail = _resume_state(self.path, model, dtype)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Unbuffered: a chunk is on disk or cut back (see write), never half in a buffer.
            self._out = self.path.open("ab" if resume else "wb", buffering=0)
            self.errors_path.unlink(missing_ok=True)  # errors describe this run only; failed docs are retried
        except OSError as err:
            raise OutputError(f"{err.filename or self.path}: cannot write: {err.strerror or err}") from None
        self._good_end = self._out.seek(0, os.SEEK_END)
        self._errors: IO[bytes] | None = None

    @staticmethod
    def check(path: str | Path, *, resume: bool = False, overwrite: bool = False) -> None:
        """Refuse a non-empty ``path`` unless resuming or overwriting (before any slow setup)."""
        path = Path(path)
        if resume and overwrite:
            raise OutputError("resume and overwrite exclude each other")
        if path.is_dir():
            raise OutputError(f"{path}: is a directory; give a file name such as {path / 'predictions.jsonl'}")
        if not (resume or overwrite) and path.exists() and path.stat().st_size:
            raise OutputError(f"{path}: exists; pass --resume to continue it or --overwrite to replace it")

    def write(self, docs: Sequence[Document]) -> None:
        """Write a chunk of documents, so a kill loses at most the chunk in flight.

        A failed write (disk full, quota) cuts the file back to the chunks before
        it and raises :class:`OutputError` naming the file and the cause.
        """
        lines = "".join(json.dumps(output_record(d, self.model, self.dtype), ensure_ascii=False) + "\n" for d in docs)
        data = lines.encode("utf-8")
        try:
            _write_all(self._out, data)
        except OSError as err:
            self._cut_back()
            raise OutputError(f"{self.path}: cannot write: {err.strerror or err}; the documents written before "
                              "are kept and --resume continues after them") from None
        self._good_end += len(data)

    def _cut_back(self) -> None:
        try:
            os.ftruncate(self._out.fileno(), self._good_end)
        except OSError:
            pass  # --resume drops a cut-off last line anyway

    def error(self, where: str, message: str, doc_id: str | None = None) -> None:
        record = {"where": where, "id": doc_id, "error": message}
        try:
            if self._errors is None:
                self._errors = self.errors_path.open("wb")
            self._errors.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
            self._errors.flush()
        except OSError as err:
            raise OutputError(f"{self.errors_path}: cannot write: {err.strerror or err}") from None
        self.errors_written += 1

    def close(self) -> None:
        self._out.close()
        if self._errors is not None:
            self._errors.close()

    def __enter__(self) -> "OutputWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_all(handle: IO[bytes], data: bytes) -> None:
    """Write all of ``data`` to an unbuffered file (a raw write may take only part)."""
    view = memoryview(data)
    while view:
        view = view[handle.write(view):]


def _resume_state(path: Path, model: str | None = None, dtype: str | None = None) -> tuple[set[str], int]:
    """Ids of the complete lines of ``path``; a last line without newline is cut off.
    With ``model``, every line must carry that identity; with ``dtype``, no line may
    name another (lines from before the field are taken)."""
    if not path.exists():
        return set(), 0
    done: set[str] = set()
    good_end = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                break  # a line cut by a kill: dropped below, its document done again
            doc_id, written_by, written_in = _written_line(raw, f"{path}:{number}")
            if model is not None and written_by != model:
                theirs = written_by or f"an unknown model (no {MODEL_KEY!r})"
                raise OutputError(f"{path}:{number}: predicted by {theirs}, not by {model}; predict into "
                                  "another file or pass --overwrite")
            if dtype is not None and written_in not in (None, dtype):
                raise OutputError(f"{path}:{number}: predicted in {written_in}, not {dtype}; pass --dtype "
                                  f"{written_in} to continue it, or predict into another file")
            done.add(doc_id)
            good_end += len(raw)
    tail = path.stat().st_size - good_end
    if tail:
        with path.open("r+b") as handle:
            handle.truncate(good_end)
    return done, tail


def _written_line(raw: bytes, where: str) -> tuple[str, str | None, str | None]:
    """The id, model identity and precision of an output line."""
    try:
        record = json.loads(raw.decode("utf-8"))
        doc_id, model, dtype = record.get("id"), record.get(MODEL_KEY), record.get(DTYPE_KEY)
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        doc_id = model = dtype = None
    if not isinstance(doc_id, str):
        raise OutputError(f"{where}: not a prediction line ({raw[:60]!r}); cannot resume this file")
    return doc_id, model if isinstance(model, str) else None, dtype if isinstance(dtype, str) else None


# ---------------------------------------------------------------- exports


def write_export(
    output: str | Path, fmt: str, *, split_clitics: bool = True, lexicon: Iterable[str] = (),
    model_version: str = "arner",
) -> tuple[Path, str]:
    """Write ``OUT.conll`` or ``OUT.labelstudio.json`` from the predictions in ``output``.

    Returns the file written and a one-line note for the summary. Label Studio
    tasks carry the spans as predictions to correct; the export imports back
    with ``python -m arner.data convert X.json Y.jsonl``. CoNLL tokens split
    proclitics like the model's input, so spans stay exact (others are widened
    to whole tokens and counted); documents without a token cannot be written
    in CoNLL and are counted too.
    """
    from arner.formats.conll import write_conll
    from arner.formats.iob2 import AlignmentReport
    from arner.formats.labelstudio import export_tasks
    from arner.text import tokenize

    if fmt not in EXPORTS:
        raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORTS)}")
    docs = list(iter_jsonl(output, validate=False))  # span keys text, score, value kept as extras
    path = sibling(output, EXPORTS[fmt])
    if fmt == "labelstudio":
        count = export_tasks(docs, path, as_predictions=True, model_version=model_version)
        return path, f"{count} Label Studio tasks"
    report = AlignmentReport()
    tokened = [d for d in docs if tokenize(d.text)]
    count = write_conll(tokened, path, split_clitics=split_clitics, lexicon=lexicon, report=report)
    note = f"{count} documents in CoNLL"
    if len(docs) > count:
        note += f", {len(docs) - count} without any token left out"
    if report.widened:
        note += f", {report.widened} span(s) widened to whole tokens"
    return path, note

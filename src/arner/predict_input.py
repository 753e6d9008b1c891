"""Batch prediction I/O: documents in from files, directories, globs and stdin; JSONL out.

Inputs (:func:`expand_inputs`, then :func:`iter_documents`):

- ``.jsonl``: one JSON object a line; the text is the ``text`` field (or
  ``text_field``), the id the ``id`` field (or ``id_field``), made from file and
  line (``news.jsonl:3``) when the record has none. Other keys are kept on the
  output; gold ``spans`` are dropped, since predictions replace them.
- ``.txt``: the whole file is one document with the file's name as its id, or,
  with ``lines``, one document per non-blank line with id ``news/notes.txt:3``.
  Text is kept byte for byte (``\\r\\n`` too), only a UTF-8 BOM is dropped, so
  offsets are offsets into the file's text.
- a directory: its ``*.txt`` and ``*.jsonl`` files, recursively, in sorted order
  (hidden files and folders left out);
- a glob (``news/*.jsonl``, ``**`` allowed);
- ``-``: stdin, JSONL or, with ``lines``, text lines; ids ``stdin:3``.

A file's name in ids is its path from the input folder (the folder given, a
glob's fixed folder, or a file's own folder), led by that folder's real name:
``txts``, ``./txts/``, ``/abs/txts`` and ``txts/*.txt`` all give
``txts/a.txt``, so ``--resume`` with another spelling of the same input finds
the documents already done. Messages name files as they were given.

A bad record (unreadable JSON, no text field, not UTF-8) comes out as a
:class:`BadInput` naming file and line, so the run can go on; a bad input *list*
(no such file, a glob matching nothing) raises :class:`InputListError` at once.

Output (:class:`OutputWriter`): one JSONL line per document, written a chunk
at a time, each line stamped with the model that predicted it (``arner_model``:
run folder name and weights hash) and its precision (``arner_dtype``). With
``resume`` the ids already in the file are skipped, a file another model (or
precision) wrote is refused, and a last line cut short by a kill is dropped (and
its document predicted again), so kill + resume ends with every document exactly
once. A failed write (disk full) is cut back to the last
whole chunk and raised as :class:`OutputError`, so nothing half-written is resumed.
Failures go to ``OUT.errors.jsonl``, one ``{"where", "id", "error"}`` a line.
"""

from __future__ import annotations

import glob
import json
import os
from fnmatch import fnmatchcase
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from arner.spans import Document, document_from_dict

__all__ = [
    "DTYPE_KEY", "MODEL_KEY", "BadInput", "InputDoc", "InputListError", "OutputError", "OutputWriter", "ReadOptions",
    "ReadStats", "Source", "expand_inputs", "iter_documents", "output_record", "read_predictions",
    "sibling", "write_export",
]

STDIN = "-"
MODEL_KEY = "arner_model"  # on every output line: which model predicted it (see OutputWriter)
DTYPE_KEY = "arner_dtype"  # and in which precision (float32, bf16, fp16)
SUFFIXES = {".jsonl": "jsonl", ".txt": "text"}
EXPORTS = {"conll": ".conll", "labelstudio": ".labelstudio.json"}
_GLOB_CHARS = "*?["
_BOM = "\ufeff"


class InputListError(ValueError):
    """An input path that cannot be used at all (missing, unsupported, empty glob)."""


class OutputError(ValueError):
    """The output file cannot be written or resumed; the message says why and where."""


@dataclass(frozen=True)
class Source:
    """One input: ``name`` is how messages call it (the path as given, or ``stdin``),
    ``id_name`` how ids do (from the real input folder, the same however it was spelled)."""

    name: str
    kind: str  # "jsonl", "text" or "stdin" (JSONL, or text lines with ``lines``)
    path: Path | None = None  # None for stdin
    id_name: str = ""

    @property
    def ids(self) -> str:
        return self.id_name or self.name


@dataclass(frozen=True)
class ReadOptions:
    lines: bool = False
    text_field: str = "text"
    id_field: str = "id"


@dataclass(frozen=True)
class InputDoc:
    id: str
    text: str
    where: str
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self) -> Document:
        return Document(self.id, self.text, (), self.extra)


@dataclass(frozen=True)
class BadInput:
    where: str
    message: str
    id: str | None = None


@dataclass
class ReadStats:
    blank_lines: int = 0


# ---------------------------------------------------------------- input list


def expand_inputs(specs: Sequence[str]) -> list[Source]:
    """Files, directories, globs and ``-`` -> sources, each file once, in the order given.

    >>> expand_inputs(["-"])
    [Source(name='stdin', kind='stdin', path=None, id_name='')]
    """
    if not specs:
        raise InputListError("no input given")
    sources: list[Source] = []
    seen: set[Path | str] = set()
    for spec in specs:
        for source in _expand(spec):
            key = source.path.resolve() if source.path else STDIN
            if key not in seen:  # a file named twice (dir and glob) is read once
                seen.add(key)
                sources.append(source)
    return sources


def check_output_is_not_input(sources: Sequence[Source], output: str | Path, specs: Sequence[str] = ()) -> None:
    """Refuse an output that is one of the inputs (opening it for writing would empty it
    before a line was read) or that the next run would read back: inside an input
    folder, or matched by an input glob (the output or its errors file), by real path."""
    target = Path(output).resolve()
    for source in sources:
        if source.path is not None and source.path.resolve() == target:
            raise OutputError(f"{output}: is also an input; write the predictions to another file")
    written = (target, sibling(target, ".errors.jsonl"))
    for spec in specs:
        if spec != STDIN and Path(spec).is_dir() and target.is_relative_to(Path(spec).resolve()):
            raise OutputError(f"{output}: is inside the input folder {spec}, so a later run would read it "
                              "as input; write the predictions outside it")
        if spec != STDIN and not Path(spec).exists() and any(c in spec for c in _GLOB_CHARS):
            root, pattern = _glob_root(spec)
            if any(_matches(path, root.resolve(), pattern) for path in written):
                raise OutputError(f"{output}: matches the input pattern {spec}, so a later run would read "
                                  "it as input; write the predictions elsewhere")


def _glob_root(spec: str) -> tuple[Path, str]:
    """The fixed folder a glob starts from and the pattern below it.

    >>> _glob_root("news/**/*.txt"), _glob_root("*.jsonl")
    ((PosixPath('news'), '**/*.txt'), (PosixPath('.'), '*.jsonl'))
    """
    parts = Path(spec).parts
    fixed = next(i for i, part in enumerate(parts) if any(c in part for c in _GLOB_CHARS))
    return Path(*parts[:fixed]) if fixed else Path("."), "/".join(parts[fixed:])


def _matches(path: Path, root: Path, pattern: str) -> bool:
    """Whether a glob ``pattern`` under ``root`` would match ``path`` (``**/`` also as no folder)."""
    if not path.is_relative_to(root):
        return False
    relative = path.relative_to(root).as_posix()
    return fnmatchcase(relative, pattern) or fnmatchcase(relative, pattern.replace("**/", ""))


def _expand(spec: str) -> list[Source]:
    if spec == STDIN:
        return [Source("stdin", "stdin")]
    path = Path(spec)
    if path.is_dir():
        return _directory(path, path)
    if path.is_file():
        return [_file(path, path.parent)]
    if any(c in spec for c in _GLOB_CHARS):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise InputListError(f"{spec}: the pattern matches no file")
        root = _glob_root(spec)[0]
        return [s for m in map(Path, matches) for s in (_directory(m, root) if m.is_dir() else [_file(m, root)])]
    raise InputListError(f"{spec}: no such file or directory")


def _directory(path: Path, root: Path) -> list[Source]:
    files = sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise InputListError(f"{path}: the directory holds no .txt or .jsonl file")
    return [_file(p, root) for p in files]


def _file(path: Path, root: Path) -> Source:
    if path.suffix not in SUFFIXES:
        raise InputListError(
            f"{path}: unsupported input {path.suffix or '(no extension)'!r}; "
            "give .jsonl or .txt files, directories, globs or - for stdin"
        )
    return Source(path.as_posix(), SUFFIXES[path.suffix], path, _id_name(path, root))


def _id_name(path: Path, root: Path) -> str:
    """``path``'s name in ids: from ``root`` (a folder it was found under, by the spelling it was
    found with), led by the root's real name, so every spelling of the folder gives the same."""
    real = root.resolve()
    return (Path(real.name) / path.relative_to(root)).as_posix()


# ---------------------------------------------------------------- reading


def iter_documents(
    sources: Iterable[Source], options: ReadOptions = ReadOptions(), *,
    stdin: IO[bytes] | None = None, stats: ReadStats | None = None,
) -> Iterator[InputDoc | BadInput]:
    """Every document of every source, lazily; bad records come out as :class:`BadInput`."""
    stats = stats if stats is not None else ReadStats()
    for source in sources:
        if source.path is None:
            if stdin is None:
                raise InputListError("- (stdin) given but no stdin stream to read")
            yield from _stream(source, stdin, options, stats)
            continue
        try:
            handle = source.path.open("rb")
        except OSError as err:
            yield BadInput(source.name, f"cannot open: {err.strerror}")
            continue
        with handle:
            if source.kind == "text" and not options.lines:
                yield _whole_file(source, handle.read())
            else:
                yield from _stream(source, handle, options, stats)


def _stream(
    source: Source, handle: IO[bytes], options: ReadOptions, stats: ReadStats,
) -> Iterator[InputDoc | BadInput]:
    as_json = source.kind == "jsonl" or (source.kind == "stdin" and not options.lines)
    for number, raw in enumerate(handle, start=1):
        where, made_id = f"{source.name}:{number}", f"{source.ids}:{number}"
        line = _decode(raw, where, first=number == 1)
        if isinstance(line, BadInput):
            yield line
            continue
        line = line[:-1] if line.endswith("\n") else line
        line = line[:-1] if line.endswith("\r") else line
        if not line.strip():
            stats.blank_lines += 1  # counted in the summary, not a document
            continue
        yield _record(line, where, options, made_id) if as_json else InputDoc(made_id, line, where)


def _decode(raw: bytes, where: str, *, first: bool) -> str | BadInput:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return BadInput(where, f"not UTF-8: byte {raw[err.start:err.start + 1]!r} at offset {err.start}")
    return text[1:] if first and text.startswith(_BOM) else text


def _whole_file(source: Source, data: bytes) -> InputDoc | BadInput:
    text = _decode(data, source.name, first=True)
    return text if isinstance(text, BadInput) else InputDoc(source.ids, text, source.name)


def _record(line: str, where: str, options: ReadOptions, made_id: str) -> InputDoc | BadInput:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        return BadInput(where, f"unreadable JSON ({err.msg} at column {err.colno})")
    if not isinstance(obj, dict):
        return BadInput(where, f"expected a JSON object, got {type(obj).__name__}")
    doc_id = obj.get(options.id_field, made_id)
    if type(doc_id) is int:  # numeric ids are common in exports; keep them as their digits
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        return BadInput(where, f"{options.id_field!r} must be a non-empty string, got {doc_id!r:.80}")
    if options.text_field not in obj:
        keys = ", ".join(sorted(obj)) or "none"
        return BadInput(where, f"no {options.text_field!r} field (keys: {keys})", doc_id)
    text = obj[options.text_field]
    if not isinstance(text, str):
        return BadInput(where, f"{options.text_field!r} must be a string, got {text!r:.80}", doc_id)
    unwritable = _unencodable_field(obj)
    if unwritable is not None:
        safe_id = doc_id.encode("utf-8", "backslashreplace").decode("utf-8")
        return BadInput(where, f"field {unwritable!r} holds a lone UTF-16 surrogate (text cut in the middle of "
                               "a character, e.g. by JavaScript): it cannot be written as UTF-8", safe_id)
    dropped = {options.id_field, options.text_field, "id", "text", "spans"}
    return InputDoc(doc_id, text, where, {k: v for k, v in obj.items() if k not in dropped})


def _unencodable_field(obj: dict[str, Any]) -> str | None:
    """The first top-level key whose value (or the key itself) cannot be encoded as UTF-8
    (one encoding of the whole record when all is well, the common case).

    >>> _unencodable_field({"id": "a" + chr(0xD83D), "text": "x"}), _unencodable_field({"id": "a"})
    ('id', None)
    """
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    for key, value in obj.items():
        try:
            json.dumps({key: value}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return key.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


# ---------------------------------------------------------------- writing


def sibling(output: str | Path, suffix: str) -> Path:
    """``OUT.jsonl`` -> ``OUT{suffix}`` (a name without ``.jsonl`` just gets the suffix).

    >>> sibling("runs/preds.jsonl", ".errors.jsonl").as_posix()
    'runs/preds.errors.jsonl'
    """
    path = Path(output)
    base = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(base + suffix)


def output_record(doc: Document, model: str | None = None, dtype: str | None = None) -> dict[str, Any]:
    """The output line for a predicted document: id, raw text, extra keys, the model's
    identity and precision (under :data:`MODEL_KEY` and :data:`DTYPE_KEY`, replacing
    any the input carried), spans.

    >>> from arner.spans import Span
    >>> doc = Document("d", "قتل ٤", (Span(4, 5, "CASUALTY", {"score": 0.9, "value": 4}),))
    >>> output_record(doc)["spans"]
    [{'start': 4, 'end': 5, 'label': 'CASUALTY', 'text': '٤', 'score': 0.9, 'value': 4}]
    """
    spans = []
    for span in doc.spans:
        out = {"start": span.start, "end": span.end, "label": span.label, "text": doc.span_text(span)}
        out.update((k, v) for k, v in span.extra.items() if k != "text")
        spans.append(out)
    stamp = {MODEL_KEY: model} if model is not None else {}
    if dtype is not None:
        stamp[DTYPE_KEY] = dtype
    return {"id": doc.id, "text": doc.text, **doc.extra, **stamp, "spans": spans}


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


def read_predictions(path: str | Path) -> Iterator[Document]:
    """The documents of a prediction file (span keys ``text``, ``score``, ``value`` kept as extras)."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield document_from_dict(json.loads(line), f"{path}:{number}")


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
    docs = list(read_predictions(output))
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

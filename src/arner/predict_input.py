"""Batch prediction input: documents from files, directories, globs and stdin.

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

:func:`check_output_is_not_input` refuses an output (:mod:`arner.predict_output`)
that is an input, or that a later run with the same input list would read back.
"""

from __future__ import annotations

import glob
import json
from fnmatch import fnmatchcase
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from arner.predict_output import OutputError, sibling
from arner.spans import Document

__all__ = [
    "BadInput", "InputDoc", "InputListError", "ReadOptions", "ReadStats", "Source", "check_output_is_not_input",
    "expand_inputs", "iter_documents",
]

STDIN = "-"
SUFFIXES = {".jsonl": "jsonl", ".txt": "text"}
_GLOB_CHARS = "*?["
_BOM = "\ufeff"


class InputListError(ValueError):
    """An input path that cannot be used at all (missing, unsupported, empty glob)."""


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

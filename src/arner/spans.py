"""Documents, character spans and the JSONL interchange format.

Every arner tool (training data, predictions, evaluation) speaks one format:
JSONL, one document per line::

    {"id": "seed-1", "text": "...", "spans": [{"start": 0, "end": 14, "label": "MILITIA"}]}

Offsets are Python string indices ``[start, end)`` into the raw ``text``. Extra
keys, on the document or on a span, are allowed and kept on a round trip.

>>> doc = Document("d1", "قتل 4 من داعش", (Span(4, 5, "CASUALTY"), Span(9, 13, "MILITIA")))
>>> [doc.span_text(s) for s in doc.spans]
['4', 'داعش']
>>> validate_document(doc)
[]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

LABELS: tuple[str, ...] = ("MILITIA", "PLACE", "CASUALTY")
#: No entity: the IOB2 outside tag, and a label map's "drop this label".
OUTSIDE = "O"

_SPAN_KEYS = ("start", "end", "label")
_DOC_KEYS = ("id", "text", "spans")


class SpanError(ValueError):
    """Bad span data. The message names the file, line, document and value."""


@dataclass(frozen=True)
class Span:
    """A labelled character range ``[start, end)``; ``extra`` keeps other keys.

    Equality and hashing use only ``start``, ``end`` and ``label``.
    """

    start: int
    end: int
    label: str
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        """The span as a JSON object: offsets and label, then, given the document's ``text``,
        the span's surface (in place of any stated one), then the extra keys.

        >>> Span(4, 5, "CASUALTY", {"score": 0.9, "text": "?"}).to_dict("قتل ٤")
        {'start': 4, 'end': 5, 'label': 'CASUALTY', 'text': '٤', 'score': 0.9}
        """
        out: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        if text is not None:
            out["text"] = text[self.start : self.end]
        out.update((k, v) for k, v in self.extra.items() if text is None or k != "text")
        return out


@dataclass(frozen=True)
class Document:
    """A raw text with its spans, sorted by start."""

    id: str
    text: str
    spans: tuple[Span, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", tuple(sorted(self.spans, key=_span_order)))

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def with_spans(self, spans: Iterable[Span]) -> "Document":
        return replace(self, spans=tuple(spans))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text}
        out.update(self.extra)
        out["spans"] = [s.to_dict(self.text) for s in self.spans]
        return out


def _span_order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def validate_document(doc: Document, labels: Sequence[str] = LABELS) -> list[str]:
    """Every problem with ``doc``'s spans, as readable strings (empty when valid).

    >>> bad = Document("d", "في دمشق ", (Span(3, 8, "PLACE"), Span(3, 5, "CITY")))
    >>> for problem in validate_document(bad): print(problem)
    span 0 [3, 5) 'دم': unknown label 'CITY' (expected one of MILITIA, PLACE, CASUALTY)
    span 1 [3, 8) 'دمشق ': ends with whitespace
    span 1 [3, 8) 'دمشق ': overlaps span 0 [3, 5)
    """
    problems: list[str] = []
    previous: Span | None = None
    for index, span in enumerate(doc.spans):
        problems.extend(_span_problems(doc.text, index, span, labels))
        if previous is not None and span.start < previous.end:
            problems.append(
                f"{_describe(doc.text, index, span)}: overlaps span {index - 1} "
                f"[{previous.start}, {previous.end})"
            )
        previous = span
    return problems


def _describe(text: str, index: int, span: Span) -> str:
    return f"span {index} [{span.start}, {span.end}) {text[span.start:span.end]!r}"


def _span_problems(text: str, index: int, span: Span, labels: Sequence[str]) -> list[str]:
    where = _describe(text, index, span)
    if span.label not in labels:
        return [f"{where}: unknown label {span.label!r} (expected one of {', '.join(labels)})"]
    if not 0 <= span.start < span.end <= len(text):
        if span.start >= span.end:
            return [f"{where}: start {span.start} is not before end {span.end}"]
        return [f"{where}: offsets out of range for a text of length {len(text)}"]
    problems = []
    surface = text[span.start : span.end]
    if surface[0].isspace():
        problems.append(f"{where}: starts with whitespace")
    if surface[-1].isspace():
        problems.append(f"{where}: ends with whitespace")
    stated = span.extra.get("text")
    if stated is not None and stated != surface:
        problems.append(f"{where}: its 'text' {stated!r} differs from text[start:end]")
    return problems


def document_from_dict(obj: Any, where: str = "<document>") -> Document:
    """Build a :class:`Document` from parsed JSON, checking field presence and types.

    Raises :class:`SpanError` naming ``where`` and the bad value. Span validity
    (ranges, overlaps, labels) is checked separately by :func:`validate_document`.
    """
    if not isinstance(obj, dict):
        raise SpanError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [key for key in _DOC_KEYS if key not in obj]
    if missing:
        named = f": document {obj['id']!r}" if isinstance(obj.get("id"), str) else ""
        raise SpanError(f"{where}{named}: missing field(s) {', '.join(missing)}")
    doc_id, text, raw_spans = obj["id"], obj["text"], obj["spans"]
    if not isinstance(doc_id, str) or not doc_id:
        raise SpanError(f"{where}: 'id' must be a non-empty string, got {doc_id!r}")
    where = f"{where}: document {doc_id!r}"
    if not isinstance(text, str):
        raise SpanError(f"{where}: 'text' must be a string, got {type(text).__name__}")
    if not isinstance(raw_spans, list):
        raise SpanError(f"{where}: 'spans' must be a list, got {type(raw_spans).__name__}")
    spans = [_span_from_dict(raw, f"{where}: span {i}") for i, raw in enumerate(raw_spans)]
    extra = {k: v for k, v in obj.items() if k not in _DOC_KEYS}
    return Document(doc_id, text, tuple(spans), extra)


def _span_from_dict(obj: Any, where: str) -> Span:
    if not isinstance(obj, dict):
        raise SpanError(f"{where}: expected a JSON object, got {obj!r}")
    missing = [key for key in _SPAN_KEYS if key not in obj]
    if missing:
        raise SpanError(f"{where}: missing field(s) {', '.join(missing)} in {obj!r}")
    for key in ("start", "end"):
        if type(obj[key]) is not int:  # bool is an int subclass; reject it too
            raise SpanError(f"{where}: {key!r} must be an integer, got {obj[key]!r}")
    if not isinstance(obj["label"], str):
        raise SpanError(f"{where}: 'label' must be a string, got {obj['label']!r}")
    extra = {k: v for k, v in obj.items() if k not in _SPAN_KEYS}
    return Span(obj["start"], obj["end"], obj["label"], extra)


def parse_line(
    line: str, where: str, labels: Sequence[str] | None = LABELS, *, validate: bool = True
) -> Document:
    """Parse one JSONL line and validate it (unless ``validate`` is false); ``labels=None``
    skips label checks."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise SpanError(f"{where}: unreadable JSON ({err.msg} at column {err.colno})") from None
    doc = document_from_dict(obj, where)
    if not validate:
        return doc
    problems = validate_document(doc, labels if labels is not None else _labels_of(doc))
    if problems:
        raise SpanError(f"{where}: document {doc.id!r}: " + "; ".join(problems))
    return doc


def _labels_of(doc: Document) -> tuple[str, ...]:
    return tuple({span.label for span in doc.spans})


def iter_jsonl(
    path: str | Path, labels: Sequence[str] | None = LABELS, *, validate: bool = True
) -> Iterator[Document]:
    """Yield validated documents from a JSONL file; blank lines are allowed.

    The first bad line raises :class:`SpanError` naming file, line, document
    and value. Duplicate ids are an error too, since ids match gold to predictions.
    ``validate=False`` reads a file arner wrote itself (a prediction output, to
    export it as it is): lines must still parse with fields of the right types,
    but spans are not checked and ids may repeat.
    """
    path = Path(path)
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                doc = parse_line(line, where, labels, validate=validate)
                if validate and doc.id in seen:
                    raise SpanError(
                        f"{where}: document id {doc.id!r} repeats the one on line {seen[doc.id]}"
                    )
                seen[doc.id] = number
                yield doc
        except UnicodeDecodeError:
            raise not_utf8_error(path) from None


def not_utf8_error(path: str | Path) -> SpanError:
    """The error for a file that is not UTF-8, naming the line and the byte offset in the file
    (the decoder's own position is an offset in its read buffer)."""
    data = Path(path).read_bytes()
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = start + err.start
        line = len(re.findall(rb"\r\n|\r|\n", data[:offset])) + 1
        return SpanError(
            f"{path}:{line}: not UTF-8: byte {data[offset:offset + 1]!r} at byte {offset} of the file "
            f"({err.reason}); re-save the file as UTF-8"
        )
    return SpanError(f"{path}: not UTF-8")  # unreachable when the text decoder failed


def read_jsonl(path: str | Path, labels: Sequence[str] | None = LABELS) -> list[Document]:
    """All documents of a JSONL file, validated (see :func:`iter_jsonl`)."""
    return list(iter_jsonl(path, labels))


def write_jsonl(docs: Iterable[Document], path: str | Path) -> int:
    """Write documents as JSONL (UTF-8, Arabic unescaped); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(dumps(doc) + "\n")
            count += 1
    return count


def dumps(doc: Document) -> str:
    """One JSONL line for ``doc`` (no trailing newline)."""
    return json.dumps(doc.to_dict(), ensure_ascii=False)


def label_counts(docs: Iterable[Document]) -> dict[str, int]:
    """Number of spans per label, in :data:`LABELS` order then others."""
    counts = {label: 0 for label in LABELS}
    for doc in docs:
        for span in doc.spans:
            counts[span.label] = counts.get(span.label, 0) + 1
    return counts

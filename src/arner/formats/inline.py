"""Inline markup: one document per line, entities written as ``[[LABEL|surface]]``.

The format writers and annotators type by hand (the written training corpus of
``data/train/`` was authored in it). The document text is the line with every
``[[LABEL|x]]`` replaced by ``x``; each marker becomes a span over ``x``. A
proclitic stays outside the brackets: ``و[[MILITIA|حزب الله]]``.

>>> doc = parse_inline("قتل [[CASUALTY|3]] من [[MILITIA|داعش]] في [[PLACE|حلب]]", "d1")
>>> doc.text
'قتل 3 من داعش في حلب'
>>> [(doc.span_text(s), s.label) for s in doc.spans]
[('3', 'CASUALTY'), ('داعش', 'MILITIA'), ('حلب', 'PLACE')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from arner.spans import LABELS, Document, Span, SpanError, validate_document

__all__ = ["InlineReport", "parse_inline", "read_inline", "to_inline"]

_MARKER = re.compile(r"\[\[([A-Z_]+)\|([^\[\]|]*)\]\]")
_STRAY = ("[[", "]]")


@dataclass
class InlineReport:
    """What :func:`read_inline` read, and the lines it refused (file:line: why)."""

    documents: int = 0
    spans: int = 0
    blank_lines: int = 0
    problems: list[str] = field(default_factory=list)


def parse_inline(line: str, doc_id: str, labels=LABELS) -> Document:
    """One marked-up line as a :class:`Document`; a SpanError names the bad marker."""
    parts: list[str] = []
    spans: list[Span] = []
    cursor = 0
    length = 0
    for match in _MARKER.finditer(line):
        parts.append(line[cursor : match.start()])
        length += match.start() - cursor
        label, surface = match.groups()
        spans.append(Span(length, length + len(surface), label))
        parts.append(surface)
        length += len(surface)
        cursor = match.end()
    parts.append(line[cursor:])
    text = "".join(parts)
    for stray in _STRAY:
        if stray in text:
            raise SpanError(f"document {doc_id!r}: unclosed or malformed marker near "
                            f"{text[max(0, text.index(stray) - 15):text.index(stray) + 15]!r}")
    doc = Document(doc_id, text, tuple(spans))
    problems = validate_document(doc, labels if labels is not None else tuple({s.label for s in spans}))
    if problems:
        raise SpanError(f"document {doc_id!r}: " + "; ".join(problems))
    return doc


def read_inline(path: str | Path, *, prefix: str | None = None, labels=LABELS,
                report: InlineReport | None = None) -> list[Document]:
    """Every line of ``path`` as a document ``{prefix}-{line:04d}`` (prefix: the file name
    without ``.inline.txt``).

    Bad lines are collected, not fatal one by one: all of them are reported in one
    SpanError naming file and line, so one typo never hides the next.
    """
    path = Path(path)
    prefix = prefix or path.name.removesuffix(".txt").removesuffix(".inline")
    report = report if report is not None else InlineReport()
    docs = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                report.blank_lines += 1
                continue
            try:
                docs.append(parse_inline(line, f"{prefix}-{number:04d}", labels))
            except SpanError as err:
                report.problems.append(f"{path}:{number}: {err}")
    if report.problems:
        raise SpanError(f"{len(report.problems)} bad line(s):\n" + "\n".join(report.problems))
    report.documents += len(docs)
    report.spans += sum(len(d.spans) for d in docs)
    return docs


def to_inline(doc: Document) -> str:
    """The inverse of :func:`parse_inline` (newlines in the text become spaces).

    >>> to_inline(parse_inline("و[[MILITIA|حزب الله]] في [[PLACE|لبنان]]", "d"))
    'و[[MILITIA|حزب الله]] في [[PLACE|لبنان]]'
    """
    out, cursor = [], 0
    for span in sorted(doc.spans, key=lambda s: s.start):
        out.append(doc.text[cursor : span.start])
        out.append(f"[[{span.label}|{doc.span_text(span)}]]")
        cursor = span.end
    out.append(doc.text[cursor:])
    return "".join(out).replace("\n", " ")

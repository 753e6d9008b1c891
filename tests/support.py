"""Plain helpers that tests and conftest.py import: the repository's paths and the
document builder. Fixtures live in conftest.py and are requested by name, never imported."""

from __future__ import annotations

from pathlib import Path

from arner.spans import Document, Span

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


def make_doc(doc_id: str, text: str, marks) -> Document:
    """A document whose spans are the ``(surface, label)`` marks, found in order in ``text``."""
    spans, cursor = [], 0
    for surface, label in marks:
        start = text.index(surface, cursor)
        spans.append(Span(start, start + len(surface), label))
        cursor = start + len(surface)
    return Document(doc_id, text, tuple(spans))

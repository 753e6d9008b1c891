"""Shared test fixtures and paths.

Paths (``ROOT``, ``DATA``, ``SHARED``, ``CORPORA``) are constants a test may import;
anything a test builds or uses is a fixture, requested by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arner.spans import Document, Span

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture
def root() -> Path:
    return ROOT


def make_doc(doc_id: str, text: str, marks) -> Document:
    """A document whose spans are the ``(surface, label)`` marks, found in order in ``text``."""
    spans, cursor = [], 0
    for surface, label in marks:
        start = text.index(surface, cursor)
        spans.append(Span(start, start + len(surface), label))
        cursor = start + len(surface)
    return Document(doc_id, text, tuple(spans))


@pytest.fixture
def doc_from_marks():
    """:func:`make_doc` as a fixture: ``doc_from_marks("d", text, [(surface, label), ...])``."""
    return make_doc

"""Shared test fixtures, requested by name (a fixture is never imported).

Plain constants and functions (the repository's paths, ``make_doc``) live in support.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import ROOT, make_doc


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def doc_from_marks():
    """:func:`make_doc` as a fixture: ``doc_from_marks("d", text, [(surface, label), ...])``."""
    return make_doc

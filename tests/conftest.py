"""Shared test fixtures and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture
def root() -> Path:
    return ROOT

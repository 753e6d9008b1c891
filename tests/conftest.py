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


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run directory of a tiny model overfit on tiny_model.SENTENCES, built once per session."""
    # imported here, so test files that never ask for the model do not load torch and transformers
    from tiny_model import build_overfit_run, one_thread

    with one_thread():
        return build_overfit_run(tmp_path_factory.mktemp("tiny_run"))

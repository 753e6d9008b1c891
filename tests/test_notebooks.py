"""The notebooks run top to bottom on the tiny config, and are committed without outputs."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from arner.spans import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ("01_seed_data.ipynb", "02_train_and_evaluate.ipynb", "03_error_analysis.ipynb")


def python3_kernel() -> KernelManager:
    """A "python3" kernel on this very interpreter (the venv running pytest).

    With no kernel directories, jupyter_client falls back to ipykernel's own spec,
    which launches ``sys.executable``; a user- or system-wide "python3" kernelspec
    pointing at another Python (without arner) cannot take over the run.
    """
    specs = KernelSpecManager(kernel_dirs=[])
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.fixture
def kernel_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The kernel inherits TMPDIR: the runs notebooks train into temporary folders
    land under pytest's tmp_path instead of piling up in /tmp."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def execute(name: str) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel from the repository root; return it with outputs."""
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = NotebookClient(
        notebook,
        km=python3_kernel(),
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any exception
    return notebook


def outputs(notebook: nbformat.NotebookNode, mime: str) -> list[str]:
    """Every output of a MIME type (``text/html``, ``image/png``, ...) or stream text (``stream``)."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if mime == "stream" and output["output_type"] == "stream":
                found.append(output["text"])
            elif mime in output.get("data", {}):
                found.append(output["data"][mime])
    return found


def test_the_kernel_is_the_interpreter_running_the_tests() -> None:
    argv = python3_kernel().kernel_spec.argv
    assert argv[0] == sys.executable
    assert argv[1:3] == ["-m", "ipykernel_launcher"]


def test_the_notebooks_are_the_three_documented_ones() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == list(NOTEBOOKS)
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in NOTEBOOKS)


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")))
def test_committed_notebooks_carry_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(notebook)
    executed = [
        i for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not executed, f"{name}: cells {executed} keep outputs; strip them (see notebooks/README.md)"


def test_seed_data_notebook_renders_the_seed_its_variants_and_the_splits(kernel_tmp: Path) -> None:
    notebook = execute("01_seed_data.ipynb")
    pages = outputs(notebook, "text/html")
    rendered = [page for page in pages if 'dir="rtl"' in page and "<mark" in page]
    assert len(rendered) == 1 + 1 + 5  # the article, the chosen sentence and 5 variants
    assert "حزب الله" in rendered[0] and "دير الزور" in rendered[0]
    assert all(label in rendered[0] for label in ("MILITIA", "PLACE", "CASUALTY"))
    assert len(set(rendered[2:])) > 1  # the variants differ from one another
    tables = outputs(notebook, "text/markdown")
    assert any(t.startswith("| split | sentences | examples") and "| test |" in t for t in tables)
    assert "shared with train: []" in "".join(outputs(notebook, "stream"))


def test_train_notebook_shows_scores_loss_curve_and_confusion(kernel_tmp: Path) -> None:
    notebook = execute("02_train_and_evaluate.ipynb")
    assert [p.name for p in kernel_tmp.glob("arner-nb02-*/run/reports/*")] != []
    tables = "".join(outputs(notebook, "text/markdown"))
    for row in ("| dev | MILITIA |", "| test | PLACE |", "| eval | CASUALTY |", "| eval | micro |"):
        assert row in tables
    assert len(outputs(notebook, "image/png")) == 2  # loss curve and confusion matrix
    assert "run directory:" in "".join(outputs(notebook, "stream"))


def test_error_analysis_notebook_trains_when_no_run_is_given_and_reads_its_errors(
    kernel_tmp: Path,
) -> None:
    notebook = execute("03_error_analysis.ipynb")
    assert len(list(kernel_tmp.glob("arner-nb03-*/run/reports/eval/errors.jsonl"))) == 1
    text = "".join(outputs(notebook, "stream"))
    documents = len(read_jsonl(ROOT / "data" / "eval" / "conflict_news.spans.jsonl"))
    assert f"errors over {documents} documents" in text  # the tiny run's held-out evaluation set
    assert "errors touch CASUALTY" in text and "casualty values: P" in text
    assert "bootstrap: 1000 resamples" in text
    pages = "".join(outputs(notebook, "text/html"))
    assert "<th>kind</th><th>MILITIA</th><th>PLACE</th><th>CASUALTY</th>" in pages
    assert '<td dir="auto">missed</td>' in pages and "<th>exact F1</th>" in pages


def test_error_analysis_notebook_names_a_run_without_reports(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK_DIR / "03_error_analysis.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if c.source.startswith("# A finished run"))
    parameters.source = parameters.source.replace("RUN_DIR = None", f"RUN_DIR = {str(tmp_path)!r}")
    client = NotebookClient(notebook, km=python3_kernel(), kernel_name="python3", timeout=300,
                            resources={"metadata": {"path": str(ROOT)}})
    with pytest.raises(CellExecutionError, match="FileNotFoundError") as caught:
        client.execute()
    assert str(tmp_path / "reports" / "eval" / "errors.jsonl") in str(caught.value)

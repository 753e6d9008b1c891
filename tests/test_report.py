"""arner.report: the files of an evaluation folder and the markdown report."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from arner.metrics import evaluate_documents, read_documents
from arner.report import (ReportFolderError, load_per_document, metrics_table, plot_loss_curve, render_markdown,
                          write_report)
from arner.spans import Document, Span


@pytest.fixture(scope="module")
def seed_metrics() -> dict:
    root = Path(__file__).resolve().parents[1]
    gold, gold_source = read_documents(root / "data/seed/article.spans.jsonl")
    pred, pred_source = read_documents(root / "data/eval/perturbed_seed.spans.jsonl")
    return evaluate_documents(
        gold, pred, bootstrap=50, gold_source=gold_source, pred_source=pred_source
    )


def test_write_report_writes_every_file(seed_metrics: dict, tmp_path: Path) -> None:
    paths = write_report(seed_metrics, tmp_path / "run")
    assert sorted(p.name for p in paths.values()) == [
        "confusion.png",
        "errors.jsonl",
        "metrics.json",
        "per_document.json",
        "report.md",
    ]
    summary = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert "errors" not in summary and "per_document" not in summary
    assert summary["files"]["errors"] == "errors.jsonl"
    assert summary["span_exact"]["micro"]["tp"] == 34
    assert paths["confusion"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors_jsonl_has_one_line_per_error(seed_metrics: dict, tmp_path: Path) -> None:
    paths = write_report(seed_metrics, tmp_path, plot=False)
    lines = paths["errors"].read_text(encoding="utf-8").splitlines()
    errors = [json.loads(line) for line in lines]
    assert len(errors) == 9
    assert (
        sorted(e["kind"] for e in errors)
        == ["boundary"] * 2 + ["missed"] * 3 + ["spurious"] * 2 + ["type"] * 2
    )
    shifted = next(e for e in errors if e["kind"] == "boundary" and e["gold"]["label"] == "MILITIA")
    assert (shifted["gold"]["text"], shifted["pred"]["text"]) == (
        "حزب الله اللبناني",
        "وحزب الله اللبناني",
    )
    assert not (tmp_path / "confusion.png").exists()


def test_per_document_file_round_trips(seed_metrics: dict, tmp_path: Path) -> None:
    write_report(seed_metrics, tmp_path)
    record = load_per_document(tmp_path)
    assert record["ids"] == ["seed-article"]
    assert record["span_exact"] == [
        [[8, 3, 3], [19, 2, 3], [7, 1, 1]]
    ]  # MILITIA, PLACE, CASUALTY tp/fp/fn
    assert record["gold_fingerprint"] == seed_metrics["gold_fingerprint"]


def test_markdown_has_tables_confusion_and_errors(seed_metrics: dict) -> None:
    md = render_markdown(seed_metrics)
    assert "| micro | 85.00 | 82.93 | 83.95 |" in md
    assert "| all | partial | 36 | 0 | 2 | 3 | 2 | 41 | 40 | 92.50 | 90.24 | 91.36 |" in md
    assert "| O | 1 | 0 | 1 | 0 |" in md  # the two spurious spans: a MILITIA and a CASUALTY
    assert "Per label, as in nervaluate >= 1.0: gold and predictions are both filtered" in md
    # the PLACE prediction on MILITIA gold is SPU under PLACE, not a PLACE match
    assert "| PLACE | partial | 19 | 0 | 1 | 2 | 1 | 22 | 21 |" in md
    assert "![confusion matrix](confusion.png)" in md
    assert "9 errors (boundary 2, missed 3, spurious 2, type 2)" in md
    assert "⟦الجمعيات⟧" in md
    assert "## Casualty values" in md and "## Paired comparison" not in md


def test_markdown_leaves_out_absent_sections_and_escapes_cells() -> None:
    text = "قصف مواقع في حلب|إدلب"
    gold = Document("d", text, (Span(13, 16, "PLACE"),))
    pred = Document("d", text, (Span(13, 21, "PLACE"),))
    metrics = evaluate_documents([gold], [pred], labels=["PLACE"], bootstrap=0)
    md = render_markdown(metrics, title="حلب")
    assert md.startswith("# حلب\n")
    assert "## Casualty values" not in md
    assert "«حلب\\|إدلب»" in md  # a | inside a span would split the table row


def test_markdown_compare_section(seed_metrics: dict) -> None:
    metrics = dict(
        seed_metrics,
        compare={
            "other": "runs/base",
            "metric": "span_exact micro F1",
            "f1": 0.84,
            "other_f1": 0.80,
            "delta": 0.04,
            "delta_ci": [0.01, 0.07],
            "p_value": 0.012,
            "samples": 1000,
            "seed": 0,
        },
    )
    md = render_markdown(metrics)
    assert "Difference 4.00 points, 95% interval 1.00 to 7.00" in md
    assert "p = 0.0120" in md


def test_a_report_folder_is_replaced_whole_without_files_of_the_earlier_report(seed_metrics: dict,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(seed_metrics, out)
    paths = write_report(seed_metrics, out, plot=False, predictions=[Document("d", "قتل 4", ())])
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths.values())
    assert not (out / "confusion.png").exists()  # the earlier report's plot is gone with it
    assert (out / "predictions.jsonl").read_text(encoding="utf-8").startswith('{"id": "d", "text": "قتل 4"')
    assert [p.name for p in tmp_path.iterdir()] == ["report"]  # no temporary folder left beside it
    with pytest.raises(ReportFolderError, match="holds files already"):
        write_report(seed_metrics, out, overwrite=False)


def test_a_failed_write_leaves_the_earlier_report_as_it_was(seed_metrics: dict, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import arner.report as report

    out = tmp_path / "report"
    write_report(seed_metrics, out, plot=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(*args, **kwargs):  # metrics.json is written by then; report.md is not
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "report.md"))

    monkeypatch.setattr(report, "render_markdown", disk_full)
    with pytest.raises(ReportFolderError) as caught:
        write_report(dict(seed_metrics, documents=99), out, plot=False)
    assert f"{out}: could not write the report" in str(caught.value)
    assert "No space left on device" in str(caught.value) and "left as it was" in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
    fresh = tmp_path / "fresh"
    with pytest.raises(ReportFolderError):
        write_report(seed_metrics, fresh, plot=False)
    assert not fresh.exists()  # no metrics.json without its report.md


def test_the_loss_curve_leaves_matplotlibs_backend_and_figures_alone(tmp_path: Path) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    log = tmp_path / "train_log.jsonl"
    records = [{"epoch": 1, "step": 1, "loss": 2.5}, {"epoch": 1, "step": 2, "loss": 1.5},
               {"epoch": 1, "train_loss": 2.0, "dev_micro_f1": 0.25}]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    plot_loss_curve(log, tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert (matplotlib.get_backend(), plt.get_fignums()) == (backend, figures)


def test_metrics_table_has_a_row_per_label_and_the_lookup_floor() -> None:
    block = {"precision": 0.5, "recall": 0.25, "f1": 1 / 3, "support": 4, "f1_ci": [0.1, 0.6]}
    metrics = {"best_epoch": 2, "eval": {"per_label": {"PLACE": block}, "micro": block, "floor": {"micro": block}}}
    assert metrics_table(metrics).splitlines()[2:] == [
        "| eval | PLACE | 0.500 | 0.250 | 0.333 | 0.100-0.600 | 4 |",
        "| eval | micro | 0.500 | 0.250 | 0.333 | 0.100-0.600 | 4 |",
        "| eval | micro, gazetteer lookup | 0.500 | 0.250 | 0.333 | 0.100-0.600 | 4 |",
    ]

"""The prediction benchmark runs end to end on the overfit tiny model and checks itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from arner.spans import read_jsonl

from conftest import ROOT
from test_predict import tiny_run  # noqa: F401 - tiny_run is a fixture

SCRIPT = ROOT / "benchmarks" / "predict_speed.py"


def run_benchmark(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_predict_speed_agrees_with_the_pipeline_and_prints_both_throughputs(tiny_run: Path) -> None:
    result = run_benchmark("--model", tiny_run, "--docs", 4, "--short", 8, "--threads", 1, "--batch-size", 4)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "ours unsnapped: identical span sets in 8/8 texts (100.0%)" in out
    assert "arner Predictor:" in out and "HF pipeline:" in out
    assert "ratio, arner Predictor to the pipeline:" in out


def test_predict_speed_writes_its_texts_as_predict_input(tmp_path: Path, tiny_run: Path) -> None:
    out = tmp_path / "docs.jsonl"
    result = run_benchmark("--model", tiny_run, "--docs", 5, "--chars", 400, "--write-texts", out)
    assert result.returncode == 0, result.stderr
    docs = read_jsonl(out)
    assert [d.id for d in docs] == [f"article-{i:04d}" for i in range(5)]
    assert all(200 <= len(d.text) <= 900 for d in docs)
    assert f"wrote 5 documents" in result.stdout

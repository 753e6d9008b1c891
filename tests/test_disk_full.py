"""A really full disk (a small tmpfs), not a simulated one: one line naming the path and
the cause, exit 2, and nothing half-written left for a later step to trust.

Skipped where a tmpfs cannot be mounted (not root, or no permission in the container).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from predict_main import run_main, write_jsonl
from support import ROOT
from tiny_model import SENTENCES


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 KiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_predict_on_a_full_disk_keeps_whole_lines_and_says_so_once(tiny_run: Path, tmp_path: Path,
                                                                  small_disk: Path, capsys) -> None:
    long_text = " ".join(t for t, _ in SENTENCES) * 3  # lines of about 1 KiB: the disk fills in a few chunks
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": f"خبر-{i}", "text": long_text} for i in range(60)])
    out = small_disk / "preds.jsonl"
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", out, "--chunk-size", "4")
    assert code == 2, err
    assert err.count("error:") == 1 and "No space left on device" in err and str(out) in err, err
    assert "Traceback" not in err
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    assert len(lines) < 60
    assert [json.loads(line)["id"] for line in lines] == [f"خبر-{i}" for i in range(len(lines))]


def test_training_on_a_full_disk_stops_with_one_line_and_no_trusted_checkpoint(tmp_path: Path,
                                                                               small_disk: Path) -> None:
    run_dir = small_disk / "run"
    done = subprocess.run(
        [sys.executable, "train.py", "configs/tiny.yaml", "train.epochs=1", f"train.output_dir={run_dir}",
         f"data.output_dir={tmp_path / 'data'}"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and "No space left on device" in last and str(run_dir) in last, last
    assert "Traceback" not in done.stderr
    assert not (run_dir / "checkpoint").exists()  # only a finished, verified checkpoint has that name

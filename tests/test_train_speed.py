"""The training-speed benchmark runs end to end on the tiny config and prints sane figures."""

from __future__ import annotations

import re
import subprocess
import sys

from support import ROOT

SCRIPT = ROOT / "benchmarks" / "train_speed.py"


def test_train_speed_times_both_loops_on_the_tiny_config() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--config", "configs/tiny.yaml", "--steps", "2", "--block", "1",
         "--threads", "1", "--matmul-size", "128"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "2 steps of batch 8 (group_by_length False), mixed precision no, 1 threads" in out
    for arm in ("real", "bare"):
        tokens, padded = map(float, re.search(rf"{arm} loop: +([\d.]+) tokens/s \(([\d.]+) padded", out).groups())
        assert 0 < tokens <= padded
        assert float(re.search(rf"{arm} loop: +([\d.]+) GFLOP/s", out).group(1)) >= 0
    loss, padding = (float(x) for x in re.search(r"loss share, 1 - bare/real time: (-?[\d.]+)%; "
                                                 r"padding share: ([\d.]+)%", out).groups())
    assert -100 <= loss <= 100 and 0 <= padding < 100
    assert re.search(r"square products of side 128 in float32, 1 threads: torch\.matmul [\d.]+", out)


def test_attention_cost_times_every_kernel_and_dropout_on_the_tiny_config() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "attention_cost.py"), "--config", "configs/tiny.yaml",
         "--every", "1", "--block", "1", "--rounds", "1", "--threads", "1", "--mixed-precision", "no"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = re.findall(r"(sdpa|eager) +attention, attention dropout ([\d.]+): +([\d.]+) s for (\d+) steps, "
                      r"([\d.]+) of the first", result.stdout)
    assert [(kernel, rate) for kernel, rate, *_ in rows] == [
        ("sdpa", "0.10"), ("sdpa", "0.00"), ("eager", "0.10"), ("eager", "0.00")]
    assert float(rows[0][4]) == 1.0 and all(float(seconds) > 0 and int(steps) > 0 for _, _, seconds, steps, _ in rows)

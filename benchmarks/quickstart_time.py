"""Wall time of the README's main job, its per-label F1 on the evaluation set and the
gazetteer lookup floor beside it; with ``--seeds``, the mean and spread over training seeds.

    python benchmarks/quickstart_time.py [--config configs/quickstart.yaml] [--seeds 13 14 15] [key=value ...]
    python benchmarks/quickstart_time.py --summarise RUN_DIR [RUN_DIR ...]   # spread of finished runs

Runs ``train.py`` in a subprocess exactly as a newcomer would, then reads the
run directory's ``metrics.json``. The time includes building the offline
encoder's cache when it is not there yet (pass ``--cold`` to force that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/quickstart.yaml")
    parser.add_argument("--cold", action="store_true", help="use an empty encoder cache")
    parser.add_argument("--run-dir", type=Path, help="keep the run(s) here (default: a temporary folder)")
    parser.add_argument("--seeds", type=int, nargs="+", help="train once per seed (train.seed=S)")
    parser.add_argument("--summarise", type=Path, nargs="+", metavar="RUN_DIR",
                        help="print the spread over finished runs' metrics.json, training nothing")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)
    if args.summarise:
        runs = [json.loads((d / "metrics.json").read_text(encoding="utf-8")) for d in args.summarise]
        print_spread(runs, [str(d) for d in args.summarise])
        return 0
    runs = []
    for seed in args.seeds or [None]:
        overrides = [*args.overrides, *([f"train.seed={seed}"] if seed is not None else [])]
        run_dir = args.run_dir / f"seed{seed}" if args.run_dir and seed is not None else args.run_dir
        metrics = run_once(args.config, overrides, args.cold, run_dir)
        if metrics is None:
            return 1
        runs.append(metrics)
    if len(runs) > 1:
        print_spread(runs, args.seeds)
    return 0


def run_once(config: str, overrides: list[str], cold: bool, run_dir: Path | None) -> dict | None:
    work = Path(tempfile.mkdtemp(prefix="arner-quickstart-"))
    env = dict(os.environ)
    if cold:
        env["ARNER_CACHE"] = str(work / "cache")
    run_dir = run_dir or work / "run"
    command = [sys.executable, "train.py", config, f"train.output_dir={run_dir}",
               f"data.output_dir={work / 'data'}", *overrides]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env)
    seconds = time.perf_counter() - started
    if result.returncode:
        print(f"train.py failed with exit status {result.returncode}", file=sys.stderr)
        return None
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    print(f"\nquickstart wall time: {seconds:.0f} s ({seconds / 60:.1f} min), {os.cpu_count()} CPUs, "
          f"cold cache: {cold}, {' '.join(overrides)}")
    for name in ("eval", "test", "dev", "anercorp_test"):
        if name in metrics:
            per = metrics[name]["per_label"]
            cells = ", ".join(f"{label} {m['f1']:.3f}" for label, m in per.items())
            floor = metrics[name].get("floor")
            beside = f"; gazetteer lookup floor {floor['micro']['f1']:.3f}" if floor else ""
            print(f"{name}: micro-F1 {metrics[name]['micro']['f1']:.3f}; {cells}{beside}")
    metrics["seconds"] = seconds
    shutil.rmtree(work, ignore_errors=True)
    return metrics


def print_spread(runs: list[dict], names: list) -> None:
    """Mean, sample standard deviation (one run has none) and range over runs, per scored
    set and label."""
    print(f"\nover {len(runs)} runs ({' '.join(map(str, names))}): mean +- sd [min, max]")
    for name in ("eval", "dev", "anercorp_test", "aqmar_test"):
        if name not in runs[0]:
            continue
        rows = {"micro": [r[name]["micro"]["f1"] for r in runs]}
        rows |= {label: [r[name]["per_label"][label]["f1"] for r in runs] for label in runs[0][name]["per_label"]}
        if "floor" in runs[0][name]:
            rows["lookup floor micro"] = [r[name]["floor"]["micro"]["f1"] for r in runs]
        for label, values in rows.items():
            spread = f"{statistics.stdev(values):.3f}" if len(values) > 1 else "-"
            print(f"{name} {label}: {statistics.mean(values):.3f} +- {spread} "
                  f"[{min(values):.3f}, {max(values):.3f}]")
    seconds = [r["seconds"] for r in runs if "seconds" in r]
    if seconds:
        print(f"wall time: {statistics.mean(seconds):.0f} s mean [{min(seconds):.0f}, {max(seconds):.0f}]")


if __name__ == "__main__":
    sys.exit(main())

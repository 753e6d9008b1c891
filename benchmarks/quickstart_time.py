"""Wall time of the README's main job, and its per-label F1 on the evaluation set.

    python benchmarks/quickstart_time.py [--config configs/quickstart.yaml] [key=value ...]

Runs ``train.py`` in a subprocess exactly as a newcomer would, then reads the
run directory's ``metrics.json``. The time includes building the offline
encoder's cache when it is not there yet (pass ``--cold`` to force that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
    parser.add_argument("--run-dir", type=Path, help="keep the run here (default: a temporary folder)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="arner-quickstart-"))
    env = dict(os.environ)
    if args.cold:
        env["ARNER_CACHE"] = str(work / "cache")
    run_dir = args.run_dir or work / "run"
    command = [sys.executable, "train.py", args.config, f"train.output_dir={run_dir}",
               f"data.output_dir={work / 'data'}", *args.overrides]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env)
    seconds = time.perf_counter() - started
    if result.returncode:
        print(f"train.py failed with exit status {result.returncode}", file=sys.stderr)
        return result.returncode
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    print(f"\nquickstart wall time: {seconds:.0f} s ({seconds / 60:.1f} min), {os.cpu_count()} CPUs, cold cache: {args.cold}")
    for name in ("eval", "test", "dev"):
        if name in metrics:
            per = metrics[name]["per_label"]
            cells = ", ".join(f"{label} {m['f1']:.3f}" for label, m in per.items())
            print(f"{name}: micro-F1 {metrics[name]['micro']['f1']:.3f}; {cells}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

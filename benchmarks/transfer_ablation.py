"""Ablation: the quickstart recipe with and without transfer from public corpora.

    python benchmarks/transfer_ablation.py                       # trains both (long)
    python benchmarks/transfer_ablation.py --runs quickstart=runs/quickstart transfer=runs/transfer \
        transfer_negatives=runs/transfer_negatives

Each arm is a real ``train.py`` run; the table reads their ``reports/<set>/metrics.json``:
strict span F1 per label with 95% bootstrap intervals on the evaluation set, and
PLACE F1 on ANERcorp's test split (LOC as PLACE). Writes the table to
``benchmarks/results/transfer_ablation.md`` as well.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARMS = {"quickstart": "configs/quickstart.yaml", "transfer": "configs/transfer.yaml",
        "transfer_negatives": "configs/transfer_negatives.yaml"}
SETS = ("eval", "anercorp_test")


def train_arm(name: str, out: Path) -> Path:
    run_dir = out / name
    command = [sys.executable, "train.py", ARMS[name], f"train.output_dir={run_dir}",
               f"data.output_dir={out / ('data-' + name)}", "train.progress=false"]
    subprocess.run(command, cwd=ROOT, check=True)
    return run_dir


def row(arm: str, set_name: str, run_dir: Path) -> str | None:
    path = run_dir / "reports" / set_name / "metrics.json"
    if not path.exists():
        return None
    exact = json.loads(path.read_text(encoding="utf-8"))["span_exact"]
    cells = []
    for label in ("MILITIA", "PLACE", "CASUALTY"):
        m = exact["per_label"].get(label)
        cells.append(_cell(m) if m and m["support"] else "-")
    return f"| {arm} | {set_name} | {_cell(exact['micro'])} | " + " | ".join(cells) + " |"


def _cell(m: dict) -> str:
    low, high = m.get("f1_ci", (float("nan"), float("nan")))
    return f"{m['f1']:.3f} [{low:.3f}, {high:.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", default=[], help="ARM=RUN_DIR pairs to read instead of training")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "ablation")
    args = parser.parse_args(argv)
    runs = dict(item.split("=", 1) for item in args.runs)
    for arm in ARMS:
        if arm not in runs:  # not setdefault: its default would train even when given
            runs[arm] = str(train_arm(arm, args.out))
    lines = ["| recipe | scored on | micro F1 [95% CI] | MILITIA | PLACE | CASUALTY |",
             "|---|---|---|---|---|---|"]
    lines += [r for arm, run in runs.items() for s in SETS if (r := row(arm, s, Path(run)))]
    table = "\n".join(lines)
    print(table)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "transfer_ablation.md").write_text(
        f"# Transfer ablation ({date.today()})\n\nStrict span F1 with 95% bootstrap intervals "
        f"(1000 document resamples).\n\n{table}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

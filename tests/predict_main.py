"""predict.py's main() run in this test process, and the JSON-lines inputs the command
line tests write; shared by test_predict_cli.py and test_disk_full.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from support import ROOT

_spec = importlib.util.spec_from_file_location("predict_cli", ROOT / "predict.py")
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)


def run_main(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """predict.py's main() in this process, on one torch thread (restored afterwards)."""
    before = torch.get_num_threads()
    try:
        code = cli.main([str(a) for a in args] + ["--threads", "1"])
    finally:
        torch.set_num_threads(before)
    return code, capsys.readouterr().err


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path

"""arner.cli, the ``arner`` command: subcommands, help, errors, and the root aliases."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from arner import cli

from support import DATA, ROOT

ARNER = Path(sys.executable).parent / "arner"  # the console script pip installs beside python
GOLD = DATA / "seed" / "article.spans.jsonl"
PERTURBED = DATA / "eval" / "perturbed_seed.spans.jsonl"


def root_script(name: str):
    """The root alias ``name``.py loaded by path, as the tests of each command do."""
    spec = importlib.util.spec_from_file_location(f"root_{name}", ROOT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_console_script_help_lists_every_subcommand() -> None:
    result = run(ARNER, "--help")
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.split("subcommands:\n")[1].splitlines() if line.startswith("  ")]
    assert listed == ["train", "evaluate", "predict", "data"]


def test_no_subcommand_is_usage_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: arner {train,evaluate,predict,data}" in capsys.readouterr().err


def test_unknown_subcommand_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["tarin", "configs/tiny.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: unknown subcommand 'tarin'; choose from train, evaluate, predict, data (arner --help)"]


@pytest.mark.parametrize("name", ["train", "evaluate", "predict", "data"])
def test_subcommand_help_names_arner_and_exits_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([name, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: arner {name} [-h]")


def test_predict_help_shows_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["predict", "--help"]) == 0
    shown = capsys.readouterr().out
    for option in ("--model", "--input", "--output", "--resume", "--shard", "--merge"):
        assert option in shown
    assert "accelerate launch --multi_gpu --num_processes N predict.py" in shown


def test_usage_error_exits_2_without_raising(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["predict", "--input", "x.jsonl", "--output", "y.jsonl"]) == 2
    assert "arner predict: error: --model is required (except with --merge)" in capsys.readouterr().err


def test_data_validate_is_python_m_arner_data_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.spans.jsonl"
    text = "قتل ثلاثة مدنيين في حلب"
    good.write_text(json.dumps({"id": "حلب-1", "text": text, "spans": [
        {"start": 20, "end": 23, "label": "PLACE"}]}, ensure_ascii=False) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.spans.jsonl"
    bad.write_text(json.dumps({"id": "حلب-2", "text": text, "spans": [
        {"start": 20, "end": 99, "label": "PLACE"}]}, ensure_ascii=False) + "\n", encoding="utf-8")
    for path, code in ((good, 0), (bad, 2)):
        arner = run(ARNER, "data", "validate", path)
        module = run(sys.executable, "-m", "arner.data", "validate", path)
        assert arner.returncode == module.returncode == code, (arner.stderr, module.stderr)
        assert (arner.stdout, arner.stderr) == (module.stdout, module.stderr)
    assert str(bad) in arner.stderr and arner.stderr.startswith("error:") and arner.stderr.count("\n") == 1


def test_evaluate_alias_and_subcommand_write_the_same_metrics(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--gold", str(GOLD), "--pred", str(PERTURBED), "--bootstrap", "0"]
    assert root_script("evaluate").main([*args, "--out", str(tmp_path / "alias")]) == 0
    alias_out = capsys.readouterr().out
    assert cli.main(["evaluate", *args, "--out", str(tmp_path / "sub")]) == 0
    sub_out = capsys.readouterr().out
    assert alias_out.replace(str(tmp_path / "alias"), str(tmp_path / "sub")) == sub_out
    assert "F1 0.8395 on 1 documents" in sub_out  # 68/81, hand-counted in test_evaluate_cli
    metrics = [(tmp_path / d / "metrics.json").read_bytes() for d in ("alias", "sub")]
    assert metrics[0] == metrics[1]


def test_train_alias_and_subcommand_fail_alike_on_a_bad_key(capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(ROOT / "configs" / "tiny.yaml"), "train.epochz=2"]
    assert root_script("train").main(args) == 2
    alias_err = capsys.readouterr().err
    assert cli.main(["train", *args]) == 2
    assert capsys.readouterr().err == alias_err
    assert alias_err.startswith("error: ") and "train.epochz: unknown key (did you mean 'epochs'?)" in alias_err

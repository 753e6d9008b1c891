"""Checkpoints and run directories under faults: kills, corrupt files, a full disk, reuse."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arner.checkpoints import (CHECKPOINT, MANIFEST, PENDING, PREVIOUS, STATE_FILE, RunDirError, RunState,
                               find_checkpoint, load_trainer_state, prepare_run_dir, save_checkpoint, truncate_log,
                               verify_checkpoint)
from arner.config import Config, config_to_dict, dump_config, load_config

from support import ROOT

TINY = [sys.executable, "train.py", "configs/tiny.yaml", "train.epochs=2"]


class FakeAccelerator:
    """The part of accelerate's Accelerator that save_checkpoint uses; ``fail`` makes
    save_state write half a file and raise, as a full disk does."""

    is_main_process = True

    def __init__(self, fail: Exception | None = None):
        self.fail = fail

    def wait_for_everyone(self) -> None:
        pass

    def save_state(self, directory: str) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / "model.safetensors").write_bytes(b"weights" * 100)
        if self.fail:
            raise self.fail
        (Path(directory) / "optimizer.bin").write_bytes(b"moments" * 100)


def save(run_dir: Path, epoch: int, accelerator=None) -> Path:
    def best(directory: Path) -> None:
        directory.mkdir(parents=True)
        (directory / "model.safetensors").write_bytes(f"best of epoch {epoch}".encode())

    return save_checkpoint(accelerator or FakeAccelerator(), run_dir, RunState(epoch=epoch, log_lines=3 * epoch), best)


def messages(run_dir: Path) -> tuple[Path | None, list[str]]:
    said: list[str] = []
    return find_checkpoint(run_dir, said.append), said


def test_a_checkpoint_is_complete_and_replaces_the_previous_one(tmp_path: Path) -> None:
    save(tmp_path, 1)
    save(tmp_path, 2)
    assert verify_checkpoint(tmp_path / CHECKPOINT) is None
    assert json.loads((tmp_path / CHECKPOINT / STATE_FILE).read_text(encoding="utf-8"))["epoch"] == 2
    assert not (tmp_path / PREVIOUS).exists() and not (tmp_path / PENDING).exists()
    assert set(json.loads((tmp_path / CHECKPOINT / MANIFEST).read_text(encoding="utf-8"))["files"]) == {
        "model.safetensors", "optimizer.bin", STATE_FILE, "best/model.safetensors"}


def test_resume_skips_a_truncated_checkpoint_and_falls_back_to_the_previous_one(tmp_path: Path) -> None:
    save(tmp_path, 1)
    shutil.copytree(tmp_path / CHECKPOINT, tmp_path / "epoch1")
    save(tmp_path, 2)
    (tmp_path / "epoch1").rename(tmp_path / PREVIOUS)  # as a kill before its removal leaves it
    weights = tmp_path / CHECKPOINT / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:10])
    chosen, said = messages(tmp_path)
    assert chosen == tmp_path / PREVIOUS
    assert said == [f"skipping checkpoint {tmp_path / CHECKPOINT}: model.safetensors does not match {MANIFEST} "
                    f"(truncated or changed); falling back to {tmp_path / PREVIOUS}"]


def test_resume_with_no_complete_checkpoint_names_the_path(tmp_path: Path) -> None:
    save(tmp_path, 1)
    (tmp_path / CHECKPOINT / STATE_FILE).unlink()
    with pytest.raises(RunDirError, match=f"{tmp_path / CHECKPOINT}: {STATE_FILE} missing"):
        find_checkpoint(tmp_path, print)
    (tmp_path / CHECKPOINT / MANIFEST).unlink()  # the old layout, or a save that never finished
    with pytest.raises(RunDirError, match=f"{tmp_path / CHECKPOINT}: no {MANIFEST}"):
        find_checkpoint(tmp_path, print)


def test_an_unfinished_first_save_is_not_trusted_and_not_an_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirError):
        save(tmp_path, 1, FakeAccelerator(fail=OSError(errno.ENOSPC, "No space left on device", "x")))
    (tmp_path / PENDING).mkdir()
    (tmp_path / PENDING / "model.safetensors").write_bytes(b"half")
    assert messages(tmp_path) == (None, [])


def test_a_full_disk_while_saving_names_the_path_and_keeps_the_last_checkpoint(tmp_path: Path) -> None:
    save(tmp_path, 1)
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / PENDING / "optimizer.bin"))
    with pytest.raises(RunDirError) as caught:
        save(tmp_path, 2, FakeAccelerator(fail=full))
    assert str(caught.value) == (f"could not write checkpoint: {tmp_path / PENDING / 'optimizer.bin'}: "
                                 "No space left on device (ENOSPC)")
    assert not (tmp_path / PENDING).exists()
    assert messages(tmp_path) == (tmp_path / CHECKPOINT, [])
    assert json.loads((tmp_path / CHECKPOINT / STATE_FILE).read_text(encoding="utf-8"))["epoch"] == 1


def test_torchs_write_failure_names_the_checkpoint_and_the_free_space(tmp_path: Path) -> None:
    torch_full = RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing "
                              "file data/0: file write failed")
    with pytest.raises(RunDirError, match=rf"could not write checkpoint {tmp_path / PENDING}: \[enforce fail .*"
                                          r"file write failed \(\d+ MiB free on that disk\)$"):
        save(tmp_path, 1, FakeAccelerator(fail=torch_full))
    assert not (tmp_path / PENDING).exists()


def test_trainer_state_keeps_its_keys_and_reads_files_without_resumed_from(tmp_path: Path) -> None:
    older = {"epoch": 2, "best": 0.5, "best_epoch": 1, "bad_epochs": 1, "history": [{"epoch": 1}, {"epoch": 2}],
             "scheduler": {"last_epoch": 4}, "log_lines": 9}
    state = RunState.from_json(older)
    assert (state.best_dev_f1, state.epochs_without_gain, state.resumed_from) == (0.5, 1, [])
    assert state.to_json() == {**older, "resumed_from": []}
    save(tmp_path, 1)
    assert load_trainer_state(tmp_path / CHECKPOINT) == RunState(epoch=1, log_lines=3)


def test_truncate_log_keeps_the_lines_a_checkpoint_saw(tmp_path: Path) -> None:
    log = tmp_path / "train_log.jsonl"
    log.write_text("".join(json.dumps({"epoch": 1, "step": i}) + "\n" for i in range(1, 6)), encoding="utf-8")
    truncate_log(log, 3)
    assert [json.loads(line)["step"] for line in log.read_text(encoding="utf-8").splitlines()] == [1, 2, 3]


def finished_run(run_dir: Path, overrides: tuple[str, ...] = ()) -> None:
    (run_dir / "reports" / "old_set").mkdir(parents=True)
    (run_dir / "reports" / "old_set" / "report.md").write_text("# stale\n", encoding="utf-8")
    (run_dir / "metrics.json").write_text("{}", encoding="utf-8")
    dump_config(load_config(ROOT / "configs/tiny.yaml", [f"train.output_dir={run_dir}", *overrides]),
                run_dir / "config.yaml")


def test_a_finished_run_is_replaced_only_when_asked_and_its_reports_go(tmp_path: Path) -> None:
    finished_run(tmp_path)
    new = config_to_dict(load_config(ROOT / "configs/tiny.yaml"))
    with pytest.raises(RunDirError, match=f"{tmp_path}: holds a finished run .*train.overwrite=true"):
        prepare_run_dir(tmp_path, new, resume=False, overwrite=False, force_resume=False)
    prepare_run_dir(tmp_path, new, resume=False, overwrite=True, force_resume=False)
    assert not (tmp_path / "reports").exists() and not (tmp_path / "metrics.json").exists()


def test_resume_refuses_changed_hyperparameters_and_lists_each(tmp_path: Path) -> None:
    finished_run(tmp_path)
    new = config_to_dict(load_config(ROOT / "configs/tiny.yaml", [
        "train.seed=14", "train.learning_rate=0.002", "train.epochs=5", f"train.output_dir={tmp_path}"]))
    with pytest.raises(RunDirError) as caught:
        prepare_run_dir(tmp_path, new, resume=True, overwrite=False, force_resume=False)
    assert "(train.learning_rate: 0.001 -> 0.002; train.seed: 13 -> 14); resume with" in str(caught.value)
    assert "epochs" not in str(caught.value)  # training longer is what resume is for
    prepare_run_dir(tmp_path, new, resume=True, overwrite=False, force_resume=True)


def test_a_run_saved_before_a_setting_existed_resumes_at_its_default(tmp_path: Path) -> None:
    import yaml

    finished_run(tmp_path)
    saved = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    del saved["model"]["freeze_word_embeddings"]  # as a run saved before the setting was added
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(saved, allow_unicode=True), encoding="utf-8")
    defaults = config_to_dict(Config())
    same = config_to_dict(load_config(ROOT / "configs/tiny.yaml", [f"train.output_dir={tmp_path}"]))
    prepare_run_dir(tmp_path, same, resume=True, overwrite=False, force_resume=False, defaults=defaults)
    changed = config_to_dict(load_config(ROOT / "configs/tiny.yaml", [
        f"train.output_dir={tmp_path}", "model.freeze_word_embeddings=true"]))
    with pytest.raises(RunDirError, match=r"model.freeze_word_embeddings: False -> True"):
        prepare_run_dir(tmp_path, changed, resume=True, overwrite=False, force_resume=False, defaults=defaults)
    with pytest.raises(RunDirError, match=r"model.freeze_word_embeddings: '\(absent\)' -> False"):
        prepare_run_dir(tmp_path, same, resume=True, overwrite=False, force_resume=False)  # no defaults given


def run_train(run_dir: Path, *overrides: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [*TINY, f"train.output_dir={run_dir}", f"data.output_dir={run_dir.parent / 'data'}", *overrides]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})


def train_in_process(run_dir: Path, *overrides: str) -> int:
    sys.path.insert(0, str(ROOT))
    try:
        from train import main
    finally:
        sys.path.remove(str(ROOT))
    return main(["configs/tiny.yaml", "train.epochs=2", f"train.output_dir={run_dir}",
                 f"data.output_dir={run_dir.parent / 'data'}", *overrides])


def test_train_cli_refuses_a_finished_run_and_a_changed_resume_with_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(ROOT)
    finished_run(tmp_path / "run", ("train.seed=14",))
    assert train_in_process(tmp_path / "run") == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {tmp_path / 'run'}: holds a finished run")
    assert train_in_process(tmp_path / "run", "train.resume=true") == 2
    assert "train.seed: 14 -> 13" in capsys.readouterr().err.strip().splitlines()[-1]
    assert (tmp_path / "run" / "reports" / "old_set" / "report.md").exists()  # refused: nothing touched


def test_a_full_disk_during_training_exits_2_with_one_line_and_resume_continues(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from accelerate import Accelerator

    original, calls = Accelerator.save_state, []

    def full_on_second_save(self, output_dir=None, **kwargs):
        calls.append(output_dir)
        if len(calls) == 2:
            Path(output_dir).mkdir()
            (Path(output_dir) / "optimizer.bin").write_bytes(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(output_dir) / "optimizer.bin"))
        return original(self, output_dir, **kwargs)

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(Accelerator, "save_state", full_on_second_save)
    run_dir = tmp_path / "run"
    assert train_in_process(run_dir) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]  # after transformers' progress bars
    assert error == f"error: could not write checkpoint: {run_dir / PENDING}/optimizer.bin: No space left on device (ENOSPC)"
    assert find_checkpoint(run_dir, print) == run_dir / CHECKPOINT and not (run_dir / PENDING).exists()
    monkeypatch.setattr(Accelerator, "save_state", original)
    assert train_in_process(run_dir, "train.resume=true") == 0
    assert "resumed from" in capsys.readouterr().out and (run_dir / "metrics.json").exists()


def read_log(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "train_log.jsonl").read_text(encoding="utf-8").splitlines()]


def assert_resumed_like_uninterrupted(run_dir: Path, reference: Path) -> None:
    assert json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")) == json.loads(
        (reference / "metrics.json").read_text(encoding="utf-8"))
    steps = [(r["epoch"], r["step"]) for r in read_log(run_dir) if "step" in r]
    assert steps == [(r["epoch"], r["step"]) for r in read_log(reference) if "step" in r]  # none twice
    assert (run_dir / "model.safetensors").read_bytes() == (reference / "model.safetensors").read_bytes()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("reference") / "run"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(ROOT)
        assert train_in_process(run_dir) == 0
    return run_dir


def test_killed_between_the_renames_of_a_save_resumes_to_the_same_model(
        tmp_path: Path, uninterrupted: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    run_dir = tmp_path / "run"
    killed = run_train(run_dir, env={"ARNER_FAULT_KILL": "commit:2"})
    assert killed.returncode == -signal.SIGKILL
    assert not (run_dir / CHECKPOINT).exists() and (run_dir / PREVIOUS).exists()
    monkeypatch.chdir(ROOT)
    assert train_in_process(run_dir, "train.resume=true") == 0
    assert f"resumed from {run_dir / PENDING} after epoch 2" in capsys.readouterr().out
    assert_resumed_like_uninterrupted(run_dir, uninterrupted)
    assert [r["resumed_from_epoch"] for r in read_log(run_dir) if "resumed_from_epoch" in r] == [2]
    assert "- resumed after epoch 2" in (run_dir / "README.md").read_text(encoding="utf-8")


def test_a_truncated_checkpoint_gives_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(ROOT)
    run_dir = tmp_path / "run"
    assert train_in_process(run_dir, "train.epochs=1") == 0
    weights = run_dir / CHECKPOINT / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    capsys.readouterr()
    assert train_in_process(run_dir, "train.resume=true") == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: no complete checkpoint to resume from: {run_dir / CHECKPOINT}: model.safetensors does not match "
        f"{MANIFEST} (truncated or changed); pass train.overwrite=true (without train.resume) to start again"]


FAULT_POINTS = ["save_state", "manifest", "commit", "committed", "publish"]


@pytest.mark.slow
def test_kill_9_at_ten_random_points_then_resume_gives_the_uninterrupted_metrics(
        tmp_path: Path, uninterrupted: Path) -> None:
    seed = int(os.environ.get("ARNER_FAULT_SEED", time.time()))
    rng = random.Random(seed)
    for trial in range(10):
        run_dir = tmp_path / f"trial{trial}"
        if trial % 2:  # inside a checkpoint save, at a named point
            point = f"{rng.choice(FAULT_POINTS)}:{rng.randint(1, 2)}"
            killed = run_train(run_dir, env={"ARNER_FAULT_KILL": point})
            assert killed.returncode == -signal.SIGKILL, (seed, point)
        else:  # anywhere: a timer
            point = f"after {rng.uniform(3, 12):.1f} s"
            _kill_after(run_dir, float(point.split()[1]))
        resumed = run_train(run_dir, "train.resume=true")
        assert resumed.returncode == 0, (seed, point, resumed.stderr[-2000:])
        assert_resumed_like_uninterrupted(run_dir, uninterrupted)


def _kill_after(run_dir: Path, seconds: float) -> None:
    command = [*TINY, f"train.output_dir={run_dir}", f"data.output_dir={run_dir.parent / 'data'}"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()

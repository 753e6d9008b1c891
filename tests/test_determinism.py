"""Reproducible training: thread count and deterministic kernels, recorded with each run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from arner import determinism
from arner.config import load_config

from support import ROOT


@pytest.fixture
def torch_settings(monkeypatch: pytest.MonkeyPatch):
    """Put back this process's thread count, deterministic mode and cuBLAS variable."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    fill = torch.utils.deterministic.fill_uninitialized_memory
    monkeypatch.setenv(determinism.CUBLAS_ENV, "")  # remembers whether it was set, for the undo
    monkeypatch.delenv(determinism.CUBLAS_ENV)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
    torch.utils.deterministic.fill_uninitialized_memory = fill


def run_train(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "train.py", *overrides], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_configure_records_the_thread_count_in_effect(torch_settings) -> None:
    config = load_config(None, ["train.threads=0"])
    resolved = determinism.configure(config)
    assert resolved.train.threads == torch.get_num_threads() >= 1
    assert config.train.threads == 0  # the caller's config is left as it was
    assert torch.are_deterministic_algorithms_enabled()
    determinism.configure(load_config(None, ["train.threads=1", "train.deterministic=false"]))
    assert torch.get_num_threads() == 1 and not torch.are_deterministic_algorithms_enabled()


def test_deterministic_kernels_without_filling_every_new_tensor(torch_settings) -> None:
    torch.utils.deterministic.fill_uninitialized_memory = True
    determinism.configure(load_config(None, ["train.threads=1"]))
    assert torch.are_deterministic_algorithms_enabled()
    # the NaN fill only exposes kernels that read memory they never wrote; it costs a pass per tensor
    assert torch.utils.deterministic.fill_uninitialized_memory is False


def test_cuda_gets_cublas_workspace_or_a_reason(torch_settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    assert determinism.use_deterministic_kernels(True) is None
    assert os.environ[determinism.CUBLAS_ENV] == ":4096:8"
    monkeypatch.setenv(determinism.CUBLAS_ENV, ":0:0")
    assert "cuBLAS is deterministic only with :4096:8 or :16:8" in determinism.use_deterministic_kernels(True)
    monkeypatch.delenv(determinism.CUBLAS_ENV)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    assert "export CUBLAS_WORKSPACE_CONFIG=:4096:8" in determinism.use_deterministic_kernels(True)
    assert determinism.use_deterministic_kernels(False) is None  # asked for no determinism: nothing to warn


def test_a_default_run_records_threads_and_deterministic(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = run_train("configs/tiny.yaml", "train.threads=0", "train.epochs=1", f"train.output_dir={run_dir}",
                       f"data.output_dir={tmp_path / 'data'}")
    assert result.returncode == 0, result.stderr[-3000:]
    recorded = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))["train"]
    assert recorded["deterministic"] is True and recorded["threads"] >= 1
    card = (run_dir / "README.md").read_text(encoding="utf-8")
    assert f"`train.threads` {recorded['threads']}, `train.deterministic` true" in card
    assert "warning: this run cannot be repeated" not in result.stderr


def _determinism_config(tmp_path: Path) -> Path:
    """About two dozen steps of the offline encoder on the written corpus and the seed."""
    config = {
        "name": "determinism",
        "data": {"output_dir": str(tmp_path / "data"), "eval_set": None, "variants_per_sentence": 2,
                 "quote_mentions": 0.0, "tatweel_mentions": 0.0, "test_corpora": [],
                 "corpora": [{"name": "written", "format": "jsonl", "path": "data/train/train-w1*.spans.jsonl",
                              "dev_documents": 24, "max_documents": 360}]},
        "model": {"name": "offline-e5", "cache_dir": str(tmp_path / "cache")},
        "train": {"epochs": 1, "early_stopping_patience": 3, "threads": min(2, os.cpu_count() or 1), "progress": False},
    }
    path = tmp_path / "determinism.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
def test_offline_encoder_trains_to_the_same_bits_twice(tmp_path: Path) -> None:
    """The first run converts the encoder into a cold cache, the second finds it warm:
    that difference once changed the new head's initial weights."""
    from safetensors.torch import load_file

    config = _determinism_config(tmp_path)
    runs = [tmp_path / "first", tmp_path / "second"]
    for run_dir in runs:
        result = run_train(str(config), f"train.output_dir={run_dir}")
        assert result.returncode == 0, result.stderr[-3000:]
    first, second = (load_file(run_dir / "model.safetensors") for run_dir in runs)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)
    metrics = [json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")) for run_dir in runs]
    assert metrics[0]["dev"] == metrics[1]["dev"]
    losses = [[json.loads(line).get("loss") for line in (run_dir / "train_log.jsonl").open(encoding="utf-8")]
              for run_dir in runs]
    assert losses[0] == losses[1] and len([x for x in losses[0] if x is not None]) >= 20

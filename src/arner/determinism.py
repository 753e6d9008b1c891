"""Reproducible training: the same config, commit, thread count and processor type
give the same model, bit for bit.

A float sum depends on the order of its terms. At a fixed thread count torch's CPU
kernels split their work the same way on every run, so a seeded run repeats; another
thread count, or another processor (other vector width, other BLAS kernels), changes
the order and the last bits, and training amplifies them. On CUDA some kernels add
with atomics: ``torch.use_deterministic_algorithms`` swaps in ordered ones, and cuBLAS
needs a fixed workspace (``CUBLAS_WORKSPACE_CONFIG``) set before it starts.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from pathlib import Path

import torch

from arner.config import Config

CUBLAS_ENV = "CUBLAS_WORKSPACE_CONFIG"
CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")  # the two values torch documents


def configure(config: Config) -> Config:
    """Set this process's thread count and deterministic kernels from ``config.train``.

    Returns the config with ``train.threads`` resolved to the count in effect (0 means
    torch's default, which differs between machines), so the run records what to repeat.
    """
    tc = config.train
    if tc.threads:
        torch.set_num_threads(tc.threads)
    problem = use_deterministic_kernels(tc.deterministic)
    if problem:
        print(f"warning: this run cannot be repeated bit for bit: {problem}", file=sys.stderr)
    return dataclasses.replace(config, train=dataclasses.replace(tc, threads=torch.get_num_threads()))


def use_deterministic_kernels(on: bool) -> str | None:
    """Switch torch's deterministic algorithms on or off; the reason a run still cannot
    repeat bit for bit, or None.

    An op with no deterministic kernel warns, naming itself, instead of stopping a
    run that may be hours long (``warn_only``).
    """
    torch.use_deterministic_algorithms(on, warn_only=True)
    # Deterministic mode also fills every new tensor with NaN, so that a kernel reading memory
    # it never wrote would show; ours do not, and the fill is one more pass over each
    # activation of every training step. The kernels chosen stay the deterministic ones.
    torch.utils.deterministic.fill_uninitialized_memory = False
    if not on or not torch.cuda.is_available():
        return None
    torch.backends.cudnn.benchmark = False  # benchmarking picks kernels by timing, run by run
    value = os.environ.get(CUBLAS_ENV)
    if value in CUBLAS_DETERMINISTIC:
        return None
    if value is not None:
        return f"{CUBLAS_ENV}={value}: cuBLAS is deterministic only with {' or '.join(CUBLAS_DETERMINISTIC)}"
    if torch.cuda.is_initialized():
        return f"CUDA started before {CUBLAS_ENV} could be set; export {CUBLAS_ENV}={CUBLAS_DETERMINISTIC[0]}"
    os.environ[CUBLAS_ENV] = CUBLAS_DETERMINISTIC[0]
    return None


def hardware() -> str:
    """The GPU, else the processor model, a run's bits depend on."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def reproducibility_note(config: Config) -> str:
    """One model-card line: what a rerun must match to give these weights again."""
    tc = config.train
    setting = f"`train.threads` {tc.threads}, `train.deterministic` {str(tc.deterministic).lower()}"
    if not tc.deterministic:
        return f"- reproducibility: {setting}; reruns may differ"
    return (f"- reproducibility: {setting}, torch {torch.__version__}, on {hardware()}: the same commit "
            f"and config with this thread count on this processor type give the same weights")

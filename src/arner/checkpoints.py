"""Crash-safe run directories: atomic checkpoints, verified resume, no silent overwrite.

A checkpoint is one directory holding everything a resume needs: accelerate's state
(weights, optimizer, RNG), ``trainer_state.json`` (epoch, best dev score, history,
scheduler, log length), the best model so far under ``best/`` and, written last,
``MANIFEST.json`` with every file's size and SHA-256. It is built in
``checkpoint.tmp/``, fsynced, and renamed into place; the previous checkpoint is kept
as ``checkpoint.previous/`` until the new one is in place, so a kill at any moment
leaves at least one complete checkpoint, and weights and trainer state can never
come from different epochs.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml
from safetensors import SafetensorError

from arner.atomic import fsync_dir, fsync_file, write_atomic

CHECKPOINT = "checkpoint"
PREVIOUS = "checkpoint.previous"
PENDING = "checkpoint.tmp"
STATE_FILE = "trainer_state.json"
MANIFEST = "MANIFEST.json"
BEST = "best"
FINISHED = "metrics.json"  # written by the last step of a run
# What a fresh run in an old run's directory removes (with train.overwrite=true).
RUN_OUTPUTS = ("reports", CHECKPOINT, PREVIOUS, PENDING, FINISHED, "train_log.jsonl", "loss.png", "README.md",
               "model.safetensors", "config.json", "arner.json")
# Keys a resume may change: the length of the run and how it is run, not what it learns.
RESUMABLE_CHANGES = {"name", "data.output_dir", "train.output_dir", "train.epochs", "train.early_stopping_patience",
                     "train.resume", "train.overwrite", "train.force_resume", "train.progress",
                     "train.eval_batch_size", "train.threads"}
# Test hook: ARNER_FAULT_KILL=POINT:N kills this process (SIGKILL) the Nth time POINT is reached.
FAULT_ENV = "ARNER_FAULT_KILL"
_fault_counts: dict[str, int] = {}


# Fields that trainer_state.json names otherwise: its keys stay, so checkpoints of older runs still resume.
_STATE_KEYS = {"best_dev_f1": "best", "epochs_without_gain": "bad_epochs"}


@dataclass
class RunState:
    """The run so far, as a checkpoint's ``trainer_state.json`` records it after each epoch."""

    epoch: int = 0  # the last finished epoch
    best_dev_f1: float = -1.0
    best_epoch: int = 0  # 0 until an epoch has been scored
    epochs_without_gain: int = 0  # since best_epoch, for early stopping
    history: list[dict] = field(default_factory=list)  # epoch, train_loss, dev_f1 of each epoch
    scheduler: dict | None = None  # the learning-rate scheduler's state_dict
    log_lines: int = 0  # lines of train_log.jsonl this state has seen
    resumed_from: list[int] = field(default_factory=list)  # epochs after which the run was resumed

    def to_json(self) -> dict:
        return {_STATE_KEYS.get(f.name, f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, record: dict) -> RunState:
        """Read a state file; keys it lacks keep their defaults (older files have no ``resumed_from``)."""
        names = {_STATE_KEYS.get(f.name, f.name): f.name for f in fields(cls)}
        return cls(**{names[key]: value for key, value in record.items() if key in names})


class RunDirError(Exception):
    """The run directory cannot be used as asked; one line, names the path (exit 2)."""


def fault_point(name: str) -> None:
    """Die here without cleanup when ``ARNER_FAULT_KILL`` asks for it (fault-injection tests)."""
    point, _, count = os.environ.get(FAULT_ENV, "").partition(":")
    if point != name:
        return
    _fault_counts[name] = _fault_counts.get(name, 0) + 1
    if _fault_counts[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def describe_os_error(err: OSError) -> str:
    """``PATH: cause (ERRNO)`` for a failed write."""
    code = errno.errorcode.get(err.errno, str(err.errno)) if err.errno else ""
    where = f"{err.filename}: " if err.filename else ""
    return f"{where}{err.strerror or err}" + (f" ({code})" if code else "")


# ---- run directory ----------------------------------------------------------------


def prepare_run_dir(run_dir: Path, new_config: dict, resume: bool, overwrite: bool, force_resume: bool,
                    defaults: dict | None = None) -> None:
    """Refuse to replace a run or to resume one under other hyperparameters; with
    ``overwrite``, remove the old run's outputs so none is left beside the new model.
    ``defaults`` (a config's settings) stand in for settings a run saved before they existed."""
    if resume:
        changed = config_changes(run_dir / "config.yaml", new_config, defaults)
        if changed and not force_resume:
            raise RunDirError(f"{run_dir / 'config.yaml'}: train.resume=true with changed settings "
                              f"({'; '.join(changed)}); resume with the saved ones or pass train.force_resume=true")
        return
    held = [name for name in (FINISHED, CHECKPOINT, PREVIOUS, PENDING) if (run_dir / name).exists()]
    if held and not overwrite:
        what = "a finished run" if FINISHED in held else "an unfinished run (train.resume=true continues it)"
        raise RunDirError(f"{run_dir}: holds {what} ({held[0]}); pass train.overwrite=true to replace it")
    if held:
        for name in RUN_OUTPUTS:
            _remove(run_dir / name)


def config_changes(saved_path: Path, new_config: dict, defaults: dict | None = None) -> list[str]:
    """``key: old -> new`` for every setting that differs from the saved run's config; a
    setting the saved config lacks (added to arner after the run began) counts as its
    value in ``defaults``, so a run started before it can be resumed."""
    if not saved_path.exists():
        return []
    old = _flatten(defaults or {}) | _flatten(yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {})
    new = _flatten(new_config)
    keys = sorted((old.keys() | new.keys()) - RESUMABLE_CHANGES)
    return [f"{k}: {old.get(k, '(absent)')!r} -> {new.get(k, '(absent)')!r}" for k in keys if old.get(k) != new.get(k)]


def _flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


# ---- saving -----------------------------------------------------------------------


def save_checkpoint(accelerator, run_dir: Path, state: RunState, save_best: Callable[[Path], None] | None) -> Path:
    """Write a complete checkpoint atomically; ``save_best(dir)`` writes a new best model
    (``None`` carries the previous checkpoint's best over). Every process must call this."""
    pending = run_dir / PENDING
    if accelerator.is_main_process:
        _remove(pending)
    accelerator.wait_for_everyone()
    try:
        accelerator.save_state(str(pending))
        fault_point("save_state")
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            _write_main_files(run_dir, pending, state, save_best)
            fault_point("manifest")
            _commit(run_dir)
    except OSError as err:
        _remove(pending)
        raise RunDirError(f"could not write checkpoint: {describe_os_error(err)}") from err
    except (RuntimeError, SafetensorError) as err:  # how torch and safetensors report a full disk
        _remove(pending)
        free = shutil.disk_usage(run_dir).free // 2**20
        raise RunDirError(f"could not write checkpoint {pending}: {str(err).splitlines()[0]} "
                          f"({free} MiB free on that disk)") from err
    accelerator.wait_for_everyone()
    return run_dir / CHECKPOINT


def _write_main_files(run_dir: Path, pending: Path, state: RunState, save_best) -> None:
    if save_best is not None:
        save_best(pending / BEST)
    else:
        _link_tree(run_dir / CHECKPOINT / BEST, pending / BEST)
    write_atomic(pending / STATE_FILE, json.dumps(state.to_json()))
    files = sorted(p for p in pending.rglob("*") if p.is_file())
    for path in files:
        fsync_file(path)
    manifest = {"epoch": state.epoch,
                "files": {str(p.relative_to(pending)): {"size": p.stat().st_size, "sha256": _sha256(p)} for p in files}}
    write_atomic(pending / MANIFEST, json.dumps(manifest, indent=1))
    fsync_dir(pending / BEST)
    fsync_dir(pending)


def _commit(run_dir: Path) -> None:
    """Swap the pending checkpoint in; a complete one exists at every moment."""
    current, previous = run_dir / CHECKPOINT, run_dir / PREVIOUS
    if current.exists():
        _remove(previous)
        current.rename(previous)
    fault_point("commit")
    (run_dir / PENDING).rename(current)
    fsync_dir(run_dir)
    fault_point("committed")
    _remove(previous)


def publish_best(checkpoint: Path, run_dir: Path) -> None:
    """Put the checkpoint's best model at the top of the run dir, one file at a time,
    each replaced atomically (the run dir is what ``Predictor.from_dir`` loads)."""
    for source in sorted((checkpoint / BEST).iterdir()):
        target = run_dir / source.name
        temporary = run_dir / f".{source.name}.tmp"
        _remove(temporary)
        shutil.copyfile(source, temporary)  # a copy: editing the run dir must not touch the checkpoint
        fsync_file(temporary)
        os.replace(temporary, target)
        fault_point("publish")
    fsync_dir(run_dir)


# ---- resuming ---------------------------------------------------------------------


def find_checkpoint(run_dir: Path, say: Callable[[str], None]) -> Path | None:
    """The newest complete checkpoint in ``run_dir``; ``None`` when no save ever finished.
    Damaged ones are skipped with a line each; if every one is damaged, RunDirError."""
    found, problems = [], []
    for name in (CHECKPOINT, PREVIOUS, PENDING):
        path = run_dir / name
        if not path.exists():
            continue
        problem = verify_checkpoint(path)
        if problem:
            problems.append(f"{path}: {problem}")
        else:
            found.append((json.loads((path / MANIFEST).read_text(encoding="utf-8"))["epoch"], path))
    routine = str(run_dir / PENDING)  # an unfinished save is what a kill leaves, not damage
    problems = [p for p in problems if not p.startswith(routine)]
    if not found:
        if problems:
            raise RunDirError(f"no complete checkpoint to resume from: {'; '.join(problems)}; "
                              f"pass train.overwrite=true (without train.resume) to start again")
        return None
    best = max(found, key=lambda item: item[0])[1]
    for problem in problems:
        say(f"skipping checkpoint {problem}; falling back to {best}")
    return best


def adopt_checkpoint(run_dir: Path, chosen: Path) -> Path:
    """Make ``chosen`` the current checkpoint (finishing a swap a kill interrupted), so
    the next save carries its best model over and keeps it until the new one is in place."""
    current = run_dir / CHECKPOINT
    if chosen != current:
        _remove(current)  # incomplete or older: find_checkpoint preferred ``chosen``
        chosen.rename(current)
        fsync_dir(run_dir)
    return current


def verify_checkpoint(path: Path) -> str | None:
    """Why ``path`` is not a complete checkpoint, or ``None`` when every file matches its manifest."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        for name, expected in manifest["files"].items():
            file = path / name
            if not file.is_file():
                return f"{name} missing"
            if file.stat().st_size != expected["size"] or _sha256(file) != expected["sha256"]:
                return f"{name} does not match {MANIFEST} (truncated or changed)"
        if STATE_FILE not in manifest["files"]:
            return f"no {STATE_FILE}"
    except FileNotFoundError:
        return f"no {MANIFEST} (the save did not finish)"
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"unreadable {MANIFEST} ({err})"
    return None


def load_trainer_state(checkpoint: Path) -> RunState:
    return RunState.from_json(json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8")))


def truncate_log(path: Path, lines: int) -> None:
    """Keep the first ``lines`` lines of the training log (those the checkpoint had seen), atomically."""
    if not path.exists():
        return
    kept = path.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
    write_atomic(path, "".join(kept))


# ---- files ------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # files are never written in place, so sharing an inode is safe
    except OSError:
        shutil.copy2(source, target)


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        _link_or_copy(file, target / file.name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()

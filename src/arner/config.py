"""Typed experiment configs: one YAML file per experiment, ``key=value`` overrides.

A config file maps onto nested dataclasses. Loading checks every key and value
and raises one :class:`ConfigError` that lists every problem at once: unknown
keys (with a suggestion), wrong types and impossible values.

>>> cfg = load_config(None, ["data.seed=7", "data.variants_per_sentence=3"])
>>> cfg.data.seed, cfg.data.variants_per_sentence
(7, 3)
>>> load_config(None, ["data.sed=7", "data.seed=x"])
Traceback (most recent call last):
...
arner.config.ConfigError: <overrides>: 2 problem(s):
  - data.sed: unknown key (did you mean 'seed'?)
  - data.seed: expected int, got 'x'
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from arner.spans import LABELS, OUTSIDE

# Choices are Literal types: loading checks a value against its field's annotation.
NumberStyle = Literal["digits", "arabic_indic", "words"]
CorpusFormat = Literal["conll", "jsonl"]
Normalize = Literal["auto", "none", "light", "arabert"]
MixedPrecision = Literal["no", "fp16", "bf16"]
NUMBER_STYLES: tuple[str, ...] = typing.get_args(NumberStyle)
UNKNOWN = "UNKNOWN"


class ConfigError(ValueError):
    """A config file or override is invalid; the message lists every problem."""


@dataclass
class CorpusConfig:
    """A public corpus read by path, mapped onto our labels.

    ``label_map`` sends each corpus label to one of ours, to ``O`` (dropped: taught
    as outside) or to ``UNKNOWN`` (left out of the loss: the type may or may not be
    ours, e.g. ANERcorp ORG may be a militia). ``numbers_unknown`` also leaves
    every number out of the loss, for corpora that never mark casualties.
    ``weight`` scales how many of its documents enter training (below 1 samples,
    above 1 repeats), ``max_documents`` caps them, ``dev_documents`` holds some out
    for the dev split, and ``dev_path`` (a file or glob, JSONL) sends whole files there
    instead: the written corpus holds out whole writers, so dev measures reading a
    new writer. ``path`` may be a glob too; files matching ``dev_path`` are left out
    of it. ``variants`` adds that many gazetteer-substituted variants of each
    training document (the seed's augmentation, with its proclitic and number
    rules; originals are kept). ``pack`` joins that many training documents (in the
    shuffled order) into one, a line apart, so the model also reads article-length
    inputs where a headline or dateline sits mid-window (0 or 1: no packing).
    ``join`` is for running text cut into sentences (CoNLL corpora such as
    ANERcorp): it joins that many consecutive sentences, in file order and a line
    apart, as soon as the corpus is read, so training, dev and test alike read each
    sentence with its neighbours as context (span scores are unchanged by joining).
    ``skip_documents_with`` drops the documents holding any of
    those labels after mapping (``[UNKNOWN]``: keep only sentences whose every token
    is taught, as negatives without ORG or number conflicts); the count is printed.
    A corpus whose path is absent is skipped with a message.
    """

    name: str = ""
    path: str = ""
    format: CorpusFormat = "conll"
    label_map: dict[str, str] = field(default_factory=dict)
    weight: float = 1.0
    max_documents: int = 0
    dev_documents: int = 0
    dev_path: str = ""
    variants: int = 0
    pack: int = 0
    join: int = 0
    numbers_unknown: bool = False
    skip_documents_with: list[str] = field(default_factory=list)

    def problems(self, where: str, labels: list[str]) -> list[str]:
        out = []
        if not self.name or not self.path:
            out.append(f"{where}: needs a name and a path")
        elif not re.fullmatch(r"[\w.-]+", self.name) or set(self.name) == {"."}:
            # the name is a folder of the run directory (reports/<name>/): never a path
            out.append(f"{where}.name: letters, digits, '_', '-' and '.' only, got {self.name!r}")
        if self.weight <= 0 or min(self.max_documents, self.dev_documents, self.variants, self.pack,
                                   self.join) < 0:
            out.append(f"{where}: weight must be > 0, max_documents, dev_documents, variants, pack "
                       f"and join >= 0")
        if self.dev_path and self.format != "jsonl":
            out.append(f"{where}.dev_path: only for format jsonl, got format {self.format!r}")
        allowed = [*labels, OUTSIDE, UNKNOWN]
        for source, target in self.label_map.items():
            if target not in allowed:
                out.append(f"{where}.label_map.{source}: {target!r} is not one of {allowed}")
        for label in self.skip_documents_with:
            if label not in [*labels, UNKNOWN]:
                out.append(f"{where}.skip_documents_with: {label!r} is not one of {[*labels, UNKNOWN]}")
        return out


@dataclass
class DataConfig:
    """How the training data is built: the seeded dataset, plus public corpora."""

    labels: list[str] = field(default_factory=lambda: list(LABELS))
    seed_gold: str | None = "data/seed/article.spans.jsonl"
    gazetteers: str = "data/gazetteers"
    eval_set: str | None = "data/eval/conflict_news.spans.jsonl"
    corpora: list[CorpusConfig] = field(default_factory=list)
    test_corpora: list[CorpusConfig] = field(default_factory=list)
    output_dir: str = "runs/data/quickstart"
    seed: int = 13
    variants_per_sentence: int = 40
    keep_original: bool = True
    dev_sentences: int = 2
    test_sentences: int = 2
    number_styles: list[NumberStyle] = field(default_factory=lambda: list(NUMBER_STYLES))
    substitute_militia: float = 0.9
    substitute_place: float = 0.9
    rewrite_casualty: float = 0.9
    # Per substituted MILITIA/PLACE mention: wrap it in quotes (outside the span), or
    # stretch a word of it with tatweel (inside), as real reports write names.
    quote_mentions: float = 0.0
    tatweel_mentions: float = 0.0

    def problems(self) -> list[str]:
        out = []
        for name in ("variants_per_sentence", "dev_sentences", "test_sentences"):
            if getattr(self, name) < 0:
                out.append(f"data.{name}: must be >= 0, got {getattr(self, name)}")
        for name in ("substitute_militia", "substitute_place", "rewrite_casualty", "quote_mentions",
                     "tatweel_mentions"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                out.append(f"data.{name}: a probability in [0, 1], got {getattr(self, name)}")
        if not self.number_styles:
            out.append(f"data.number_styles: at least one of {list(NUMBER_STYLES)}")
        if not self.keep_original and self.variants_per_sentence == 0:
            out.append("data: keep_original=false with variants_per_sentence=0 leaves no examples")
        if not self.labels or len(set(self.labels)) != len(self.labels) or UNKNOWN in self.labels:
            out.append(f"data.labels: distinct labels, not {UNKNOWN!r}, got {self.labels}")
        if self.seed_gold is None and not self.corpora:
            out.append("data: no training data: set seed_gold or list corpora")
        # A mistyped path must not silently drop the evaluation and its leakage check.
        for name in ("seed_gold", "eval_set", "gazetteers"):
            path = getattr(self, name)
            if path is not None and not Path(path).exists():
                out.append(f"data.{name}: {path!r} does not exist (null to go without)")
        for group in ("corpora", "test_corpora"):
            for i, corpus in enumerate(getattr(self, group)):
                out.extend(corpus.problems(f"data.{group}[{i}]", self.labels))
        names = [c.name for c in self.corpora + self.test_corpora]
        if len(set(names)) != len(names):
            out.append(f"data: corpus names must be distinct, got {names}")
        return out


@dataclass
class ModelConfig:
    """Which encoder to fine-tune and how text reaches it.

    ``name`` is ``offline-e5`` (bundled, no network), ``tiny`` (tests) or a
    Hugging Face Hub id / local directory such as ``aubmindlab/bert-base-arabertv02``.
    ``line_windows`` reads each line (paragraph) of a document on its own, in
    training and prediction alike: articles arrive as paragraphs, and a tokenizer
    drops the line breaks that separate them. Turn it off for corpora whose lines
    are consecutive sentences of one paragraph (``data.corpora[].join``).
    """

    name: str = "offline-e5"
    max_length: int = 256
    stride: int = 64
    split_clitics: bool = True
    line_windows: bool = True
    normalize: Normalize = "auto"
    cache_dir: str | None = None
    local_files_only: bool = False

    def problems(self) -> list[str]:
        out = []
        if self.max_length < 16:
            out.append(f"model.max_length: at least 16, got {self.max_length}")
        if not 0 <= self.stride < self.max_length // 2:
            out.append(f"model.stride: must be in [0, max_length/2), got {self.stride}")
        return out


@dataclass
class TrainConfig:
    """Optimisation, checkpointing and early stopping."""

    output_dir: str = "runs/quickstart"
    seed: int = 13
    epochs: int = 8
    batch_size: int = 16
    eval_batch_size: int = 64
    learning_rate: float = 5e-5
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    gradient_accumulation_steps: int = 1
    max_grad_norm: float = 1.0
    mixed_precision: MixedPrecision = "no"
    early_stopping_patience: int = 3
    resume: bool = False
    # Replace a finished run in output_dir; resume under changed settings (see checkpoints).
    overwrite: bool = False
    force_resume: bool = False
    # Batch windows of similar length together (less padding, same shuffled epochs).
    group_by_length: bool = False
    threads: int = 0
    # Deterministic kernels (arner.determinism): same threads and processor, same model.
    deterministic: bool = True
    progress: bool = True

    def problems(self) -> list[str]:
        out = []
        for name in ("epochs", "batch_size", "eval_batch_size", "gradient_accumulation_steps"):
            if getattr(self, name) < 1:
                out.append(f"train.{name}: must be >= 1, got {getattr(self, name)}")
        for name in ("learning_rate", "head_learning_rate"):
            if not 0 < getattr(self, name) < 1:
                out.append(f"train.{name}: must be in (0, 1), got {getattr(self, name)}")
        if not 0 <= self.warmup_fraction < 1:
            out.append(f"train.warmup_fraction: must be in [0, 1), got {self.warmup_fraction}")
        if self.resume and self.overwrite:
            out.append("train.resume and train.overwrite: choose one (continue the run, or replace it)")
        if self.early_stopping_patience < 0 or self.threads < 0:
            out.append("train.early_stopping_patience and train.threads: must be >= 0")
        cpus = os.cpu_count() or 1
        if self.threads > cpus:  # more threads than cores only thrash (100000 hung the run)
            out.append(f"train.threads: at most this machine's {cpus} CPUs, got {self.threads}")
        return out


@dataclass
class Config:
    """A whole experiment: data, model and training sections."""

    name: str = "experiment"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def problems(self) -> list[str]:
        return self.data.problems() + self.model.problems() + self.train.problems()


def load_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load ``path`` (YAML; ``None`` for the defaults) and apply ``key=value`` overrides."""
    raw: dict[str, Any] = {}
    source = str(path) if path is not None else "<overrides>"
    if path is not None:
        raw = _read_yaml(Path(path))
    problems: list[str] = []
    for item in overrides:
        _apply_override(raw, item, problems)
    config = _build(Config, raw, "", problems)
    if not problems:
        problems.extend(config.problems())
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{source}: {len(problems)} problem(s):\n{listing}")
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(loaded).__name__}")
    return loaded


def _apply_override(raw: dict[str, Any], item: str, problems: list[str]) -> None:
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        problems.append(f"override {item!r}: expected key=value")
        return
    *parents, leaf = key.strip().split(".")
    node = raw
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            problems.append(f"override {item!r}: {part!r} is not a section")
            return
        node = child
    node[leaf] = yaml.safe_load(text) if text.strip() else ""


def _build(cls: type, raw: Any, prefix: str, problems: list[str]) -> Any:
    """Instantiate dataclass ``cls`` from ``raw``, appending problems instead of raising."""
    if not isinstance(raw, dict):
        problems.append(f"{prefix.rstrip('.') or '<top>'}: expected a mapping, got {raw!r}")
        return cls()
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{prefix}{key}: unknown key{hint}")
            continue
        values[key] = _convert(hints[key], value, f"{prefix}{key}", problems)
    return cls(**{k: v for k, v in values.items() if v is not _INVALID})


_INVALID = object()


def _convert(hint: Any, value: Any, where: str, problems: list[str]) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where + ".", problems)
    if typing.get_origin(hint) is Literal:
        return _convert_choice(typing.get_args(hint), value, where, problems)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = next(a for a in options if a is not type(None))
        origin = typing.get_origin(hint)
    if origin is list:
        return _convert_list(typing.get_args(hint)[0], value, where, problems)
    if origin is dict:
        return _convert_dict(typing.get_args(hint), value, where, problems)
    return _convert_scalar(hint, value, where, problems)


def _convert_list(item: Any, value: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list, got {value!r}")
        return _INVALID
    return [_convert(item, v, f"{where}[{i}]", problems) for i, v in enumerate(value)]


def _convert_dict(args: tuple, value: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping, got {value!r}")
        return _INVALID
    return {str(k): _convert(args[1], v, f"{where}.{k}", problems) for k, v in value.items()}


def _convert_choice(allowed: tuple, value: Any, where: str, problems: list[str]) -> Any:
    if not any(value == a and type(value) is type(a) for a in allowed):  # True is not 1
        problems.append(f"{where}: choose from {list(allowed)}, got {value!r}")
        return _INVALID
    return value


def _convert_scalar(hint: Any, value: Any, where: str, problems: list[str]) -> Any:
    if hint is Any:
        return value
    if hint is float and type(value) is int:
        return float(value)
    if hint is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # YAML reads name=2024 as an int; a string field accepts it
    if type(value) is not hint:
        problems.append(f"{where}: expected {hint.__name__}, got {value!r}")
        return _INVALID
    return value


def config_to_dict(config: Any) -> dict[str, Any]:
    """The resolved config as plain data (for YAML/JSON next to a run's outputs)."""
    return dataclasses.asdict(config)


def dump_config(config: Any, path: str | Path) -> None:
    """Write the resolved config as YAML."""
    Path(path).write_text(
        yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )

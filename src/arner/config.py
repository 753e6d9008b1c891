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
import textwrap
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from arner.atomic import write_atomic
from arner.spans import LABELS, OUTSIDE

# Choices are Literal types: loading checks a value against its field's annotation.
NumberStyle = Literal["digits", "arabic_indic", "words"]
CorpusFormat = Literal["conll", "jsonl"]
Normalize = Literal["auto", "none", "light", "folded", "arabert"]
MixedPrecision = Literal["no", "fp16", "bf16", "auto"]
Attention = Literal["auto", "sdpa", "eager"]
NUMBER_STYLES: tuple[str, ...] = typing.get_args(NumberStyle)
UNKNOWN = "UNKNOWN"


class ConfigError(ValueError):
    """A config file or override is invalid; the message lists every problem."""


@dataclass
class CorpusConfig:
    """A public or written corpus read by path, mapped onto our labels.

    Each field's help (``python train.py --help``) says what it does.
    """

    name: str = field(default="", metadata={"help": "its folder under reports/ and its name in logs: letters, "
                                                    "digits, '_', '-' and '.'"})
    path: str = field(default="", metadata={"help": "a file or glob; files matching dev_path are left out; "
                                                    "an absent path is skipped with a message"})
    format: CorpusFormat = field(default="conll", metadata={"help": "conll (a token and its label a line) or "
                                                                    "jsonl (span records)"})
    label_map: dict[str, str] = field(default_factory=dict, metadata={
        "help": "corpus label -> one of data.labels, O (taught as outside) or UNKNOWN (left out of the loss: "
                "the type may or may not be ours, e.g. ANERcorp ORG may be a militia)"})
    weight: float = field(default=1.0, metadata={"help": "scales how many of its documents enter training "
                                                         "(below 1 samples, above 1 repeats)"})
    max_documents: int = field(default=0, metadata={"help": "caps its training documents (0: no cap)"})
    dev_documents: int = field(default=0, metadata={"help": "documents held out for the dev split"})
    dev_path: str = field(default="", metadata={
        "help": "a file or glob (jsonl only) sent whole to dev instead: holding out whole writers, dev "
                "measures reading a new writer"})
    variants: int = field(default=0, metadata={
        "help": "gazetteer-substituted variants of each training document (the seed's augmentation, with "
                "its proclitic and number rules; originals are kept)"})
    invent_names: float = field(default=0.0, metadata={
        "help": "share of the MILITIA and PLACE surfaces of its training documents renamed in place with "
                "invented names (arner.invent), so that context, not a known name, carries them"})
    respell: float = field(default=0.0, metadata={
        "help": "share of its training documents rewritten whole in one writer's spelling habit (hamzas "
                "dropped, final ya swapped, or the militia noun spelled مليشيا/ميلشيا; arner.perturb), so "
                "names and contexts are also learnt as such writers spell them"})
    pack: int = field(default=0, metadata={
        "help": "joins that many training documents (shuffled order) into one, a line apart, so the model "
                "also reads article-length inputs with a headline or dateline mid-window (0 or 1: none)"})
    join: int = field(default=0, metadata={
        "help": "for running text cut into sentences (ANERcorp): joins that many consecutive sentences, in "
                "file order and a line apart, when read, so train, dev and test alike read each sentence "
                "with its neighbours (span scores are unchanged by joining)"})
    split_proclitics: bool = field(default=False, metadata={
        "help": "moves a span's start past a proclitic glued to its first word (ANERcorp tags وبريطانيا "
                "whole), under the tokenizer's clitic rule with the corpus's own names, so its spans "
                "follow GUIDELINES"})
    numbers_unknown: bool = field(default=False, metadata={
        "help": "leaves every number out of the loss, for corpora that never mark casualties"})
    skip_documents_with: list[str] = field(default_factory=list, metadata={
        "help": "drops documents holding any of these labels after mapping ([UNKNOWN]: keep only sentences "
                "whose every token is taught); the count is printed"})

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
        for name in ("invent_names", "respell"):
            if not 0 <= getattr(self, name) <= 1:
                out.append(f"{where}.{name}: a share in [0, 1], got {getattr(self, name)}")
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


_ANERCORP = "../shared/corpora/anercorp_camellab"


def _training_corpora() -> list[CorpusConfig]:
    """The quickstart's training corpora: the written corpus (originals only: a substituted
    copy of each document did not score higher and would not fit the time budget), dev a
    held-out writer; and 1,200 sentences of ANERcorp's real news, which teach its places
    as PLACE and its persons, clubs, dates and common nouns as outside. Its ORG may be a
    militia and its numbers may be casualties: both are left out of the loss. Skipped,
    with a message, where ../shared/corpora is absent."""
    return [
        CorpusConfig(name="written", format="jsonl", path="data/train/train-*.spans.jsonl",
                     dev_path="data/train/dev-*.spans.jsonl", respell=0.15),
        CorpusConfig(name="anercorp_loc", path=f"{_ANERCORP}/ANERCorp_CamelLab_train_RECONSTRUCTED.txt",
                     label_map={"LOC": "PLACE", "ORG": UNKNOWN, "PERS": "O", "MISC": "O"},
                     numbers_unknown=True, split_proclitics=True, max_documents=1200),
    ]


def _real_text_places() -> list[CorpusConfig]:
    """Real text by other hands, scored for PLACE alone (their LOC): ANERcorp's news
    test split and AQMAR's Wikipedia test split, never trained on by default. Their
    proclitics are moved out of the spans, as GUIDELINES puts them."""
    return [
        CorpusConfig(name="anercorp_test", path=f"{_ANERCORP}/ANERCorp_CamelLab_test_RECONSTRUCTED.txt",
                     label_map={"LOC": "PLACE", "ORG": "O", "PERS": "O", "MISC": "O"}, split_proclitics=True),
        CorpusConfig(name="aqmar_test", path="../shared/corpora/aqmar_liu2019split/test.txt",
                     label_map={"LOC": "PLACE", "ORG": "O", "PER": "O", "MIS": "O"}, split_proclitics=True),
    ]


@dataclass
class DataConfig:
    """How the training data is built: the seeded dataset, plus public corpora."""

    labels: list[str] = field(default_factory=lambda: list(LABELS), metadata={
        "help": "the entity types learnt and scored"})
    seed_gold: str | None = field(default="data/seed/article.spans.jsonl", metadata={
        "help": "the seed's gold spans (JSONL), expanded into variants; null to train on corpora alone"})
    gazetteers: str = field(default="data/gazetteers", metadata={
        "help": "the name lists: substitution, and the lookup floor scored beside the model"})
    eval_set: str | None = field(default="data/eval/conflict_news.spans.jsonl", metadata={
        "help": "the held-out evaluation set (JSONL), scored and checked for leakage; null to go without"})
    corpora: list[CorpusConfig] = field(default_factory=_training_corpora, metadata={
        "help": "corpora trained on beside the seed (fields: data.corpora[].*); by default the written "
                "corpus (dev a held-out writer) and 1,200 ANERcorp sentences with LOC as PLACE"})
    test_corpora: list[CorpusConfig] = field(default_factory=_real_text_places, metadata={
        "help": "corpora scored after training only (fields as data.corpora[]), skipped when the path is "
                "absent; by default ANERcorp's and AQMAR's test splits with LOC as PLACE"})
    output_dir: str = field(default="runs/data/quickstart", metadata={"help": "where the built dataset goes"})
    seed: int = field(default=13, metadata={"help": "seeds every random choice in building the data"})
    variants_per_sentence: int = field(default=10, metadata={
        "help": "substituted variants of each seed sentence: the seed's frames teach names by substitution, "
                "and a few are enough beside the written corpus that teaches contexts"})
    keep_original: bool = field(default=True, metadata={"help": "keeps each seed sentence beside its variants"})
    dev_sentences: int = field(default=0, metadata={
        "help": "seed sentences held out for dev (0: dev is the written corpus's held-out writer)"})
    test_sentences: int = field(default=0, metadata={
        "help": "seed sentences held out for test (0: eval_set is the test)"})
    number_styles: list[NumberStyle] = field(default_factory=lambda: list(NUMBER_STYLES), metadata={
        "help": "how rewritten casualty numbers are written"})
    substitute_militia: float = field(default=0.9, metadata={
        "help": "probability that a variant substitutes a MILITIA mention"})
    substitute_place: float = field(default=0.9, metadata={
        "help": "probability that a variant substitutes a PLACE mention"})
    rewrite_casualty: float = field(default=0.9, metadata={
        "help": "probability that a variant rewrites a casualty number"})
    quote_mentions: float = field(default=0.1, metadata={
        "help": "per substituted MILITIA/PLACE mention: probability of quotes around it (outside the span), "
                "as real reports write names"})
    tatweel_mentions: float = field(default=0.03, metadata={
        "help": "per substituted MILITIA/PLACE mention: probability of a word stretched with tatweel "
                "(inside the span)"})

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

    ``line_windows`` holds in training and prediction alike: articles arrive as
    paragraphs, and a tokenizer drops the line breaks that separate them.
    """

    name: str = field(default="offline-e5", metadata={
        "help": "offline-e5 (bundled, no network), tiny (tests) or a Hugging Face Hub id or local directory "
                "such as aubmindlab/bert-base-arabertv02"})
    max_length: int = field(default=256, metadata={
        "help": "tokens a window (at least 16); longer text is read in overlapping windows"})
    stride: int = field(default=64, metadata={"help": "tokens shared by neighbouring windows, in "
                                                      "[0, max_length/2)"})
    split_clitics: bool = field(default=True, metadata={
        "help": "splits proclitics off words before the tokenizer sees them"})
    line_windows: bool = field(default=True, metadata={
        "help": "reads each line (paragraph) on its own; off for corpora whose lines are one paragraph's "
                "sentences (data.corpora[].join)"})
    normalize: Normalize = field(default="auto", metadata={
        "help": "text normalisation, offsets kept: auto (arabert for AraBERT models, else light), none, "
                "light (diacritics, tatweel, invisible marks, Arabic-Indic digits, Persian yeh and keheh), "
                "folded (light, and every alef bare, final alef maqsura as ya) or arabert"})
    # Chosen on the quickstart's dev writer; README (Decoding) gives the figures.
    min_span_score: float = field(default=0.75, metadata={
        "help": "predicted spans whose mean subword confidence is below this are dropped, in [0, 1) "
                "(0: every span kept); saved with the model"})
    dropout: float | None = field(default=None, metadata={
        "help": "the encoder's dropout while training, hidden and attention alike, in [0, 1) "
                "(null: the encoder's own)"})
    attention_dropout: float | None = field(default=None, metadata={
        "help": "the dropout of the encoder's attention probabilities while training, in [0, 1), "
                "applied after model.dropout (null: as model.dropout sets it, or the encoder's own); "
                "0 spares each training step a random mask over every attention score"})
    attention: Attention = field(default="auto", metadata={
        "help": "the attention kernel while training: auto (eager on a CPU, where SDPA's backward "
                "costs more; sdpa on a GPU), sdpa or eager; prediction keeps the encoder's own"})
    freeze_word_embeddings: bool = field(default=False, metadata={
        "help": "keep the encoder's word (subword) embeddings as pretrained while training: "
                "the names of the corpus move no embedding, and no step updates that matrix"})
    cache_dir: str | None = field(default=None, metadata={
        "help": "where encoders are downloaded or converted (null: the default cache)"})
    local_files_only: bool = field(default=False, metadata={
        "help": "never reach the network: load from the cache or a local directory"})

    def problems(self) -> list[str]:
        out = []
        if self.max_length < 16:
            out.append(f"model.max_length: at least 16, got {self.max_length}")
        if not 0 <= self.stride < self.max_length // 2:
            out.append(f"model.stride: must be in [0, max_length/2), got {self.stride}")
        if not 0 <= self.min_span_score < 1:
            out.append(f"model.min_span_score: must be in [0, 1), got {self.min_span_score}")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            out.append(f"model.dropout: must be in [0, 1) or null, got {self.dropout}")
        if self.attention_dropout is not None and not 0 <= self.attention_dropout < 1:
            out.append(f"model.attention_dropout: must be in [0, 1) or null, got {self.attention_dropout}")
        return out


@dataclass
class TrainConfig:
    """Optimisation, checkpointing and early stopping."""

    output_dir: str = field(default="runs/quickstart", metadata={"help": "the run directory"})
    seed: int = field(default=13, metadata={"help": "seeds training's random choices"})
    epochs: int = field(default=4, metadata={"help": "at most this many epochs (early stopping may end sooner)"})
    batch_size: int = field(default=16, metadata={"help": "training windows a step, per process"})
    eval_batch_size: int = field(default=64, metadata={"help": "windows a batch when predicting"})
    learning_rate: float = field(default=1.5e-4, metadata={"help": "the encoder's peak learning rate"})
    head_learning_rate: float = field(default=2e-3, metadata={
        "help": "the new classification head's peak learning rate"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_fraction: float = field(default=0.1, metadata={"help": "share of the steps spent warming up, in [0, 1)"})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "batches summed into one step"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradients are clipped to this norm"})
    mixed_precision: MixedPrecision = field(default="auto", metadata={
        "help": "autocast precision: bf16 on CPUs with native bf16 and on GPUs; auto: bf16 where it runs "
                "natively (CUDA compute capability 8+, CPUs with AVX512-BF16 or AMX), no elsewhere"})
    early_stopping_patience: int = field(default=2, metadata={
        "help": "stops after this many epochs without a dev F1 gain (0: never early)"})
    resume: bool = field(default=False, metadata={"help": "continues the run in output_dir from its checkpoint"})
    overwrite: bool = field(default=False, metadata={"help": "replaces a finished run in output_dir"})
    force_resume: bool = field(default=False, metadata={
        "help": "resumes under changed settings (arner.checkpoints lists them)"})
    group_by_length: bool = field(default=True, metadata={
        "help": "batches windows of similar length together (less padding, same shuffled epochs)"})
    threads: int = field(default=0, metadata={"help": "torch CPU threads (0: torch's choice), at most the CPUs"})
    deterministic: bool = field(default=True, metadata={
        "help": "deterministic kernels (arner.determinism): same threads and processor, same model"})
    progress: bool = field(default=True, metadata={"help": "shows progress bars"})

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

    name: str = field(default="quickstart", metadata={"help": "the experiment's name, in logs and the model card"})
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
    if value is False and "no" in allowed:
        return "no"  # YAML 1.1 reads an unquoted no as false: mixed_precision: no means "no"
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
    """Write the resolved config as YAML, whole or not at all (a resume reads it back)."""
    write_atomic(path, yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False))


def describe_config() -> str:
    """Every setting, section by section: its key, type and default, then its help.

    >>> print(describe_config().split("\\n\\n")[0])
    Settings (YAML keys, or key=value on the command line):
      name: str = quickstart
          the experiment's name, in logs and the model card
    """
    lines = ["Settings (YAML keys, or key=value on the command line):"]
    _describe(Config, "", lines, set())
    return "\n".join(lines)


def _describe(cls: type, prefix: str, lines: list[str], seen: set[type]) -> None:
    hints = typing.get_type_hints(cls)
    nested = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            nested.append((hint, f"{prefix}{f.name}."))
            continue
        item = typing.get_args(hint)[0] if typing.get_origin(hint) is list else None
        if dataclasses.is_dataclass(item) and item not in seen:  # data.test_corpora[] as data.corpora[]
            seen.add(item)
            nested.append((item, f"{prefix}{f.name}[]."))
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        lines.append(f"  {prefix}{f.name}: {_type_name(hint)} = {_yaml_text(default)}")
        lines.extend(textwrap.wrap(f.metadata["help"], 100, initial_indent=" " * 6, subsequent_indent=" " * 6))
    for section, section_prefix in nested:
        lines.extend(["", f"{section_prefix.rstrip('.')}: {section.__doc__.splitlines()[0]}"])
        _describe(section, section_prefix, lines, seen)


def _type_name(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return "|".join(args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    return hint.__name__


def _yaml_text(value: Any) -> str:
    if isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
        return f"[{', '.join(c.name for c in value)}]"
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).removesuffix(
        "\n...\n").strip()

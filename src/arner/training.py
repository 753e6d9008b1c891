"""Fine-tuning: ``train(config)`` builds the data, trains, selects and saves the best model.

One plain loop over :mod:`accelerate`, so the same code runs on a CPU, one GPU or
several processes (``accelerate launch train.py CONFIG``), with mixed precision and
gradient accumulation from the config. Checkpoint selection and early stopping
use the dev split's strict span micro-F1; the test split and the held-out
evaluation set are scored once, with the selected model, after training.

The run is a :class:`TrainingRecipe` in the shape of torchtune's recipes (``setup``,
``train_epoch``, ``evaluate``, ``save_checkpoint``, ``cleanup``) that ``train`` drives;
the state carried between epochs is :class:`arner.checkpoints.RunState`, and the
finished run's reports (metrics.json, model card, loss curve) are :mod:`arner.report`'s.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from arner import determinism
from arner.align import AlignStats, Window, bio_labels
from arner.checkpoints import (CHECKPOINT, RunState, adopt_checkpoint, find_checkpoint, load_trainer_state,
                               prepare_run_dir, publish_best, truncate_log)
from arner.checkpoints import save_checkpoint as write_checkpoint  # the recipe's save_checkpoint calls it
from arner.config import Config, config_to_dict, dump_config
from arner.coordination import joined_names
from arner.dataset import build_dataset, scored_sets
from arner.gazetteers import Gazetteers, load_gazetteers
from arner.metrics import evaluate_documents
from arner.predict import PreprocessSettings, Predictor, auto_dtype, pad_batch, resolve_device
from arner.report import finish_run, metrics_table
from arner.spans import Document, read_jsonl


@dataclass
class TrainResult:
    run_dir: Path
    metrics: dict
    history: list[dict] = field(default_factory=list)


LENGTH_POOL = 50  # batches sorted together by group_by_length


def train(config: Config) -> TrainResult:
    """Train per ``config``; returns the run directory and its metrics."""
    recipe = TrainingRecipe(config)
    recipe.setup()
    for epoch in recipe.epochs():
        loss = recipe.train_epoch(epoch)
        recipe.record_epoch(epoch, loss, recipe.evaluate(recipe.splits["dev"])["micro"]["f1"])
        recipe.save_checkpoint(epoch)
        if recipe.should_stop():
            break
    return recipe.cleanup()


class TrainingRecipe:
    """One training run in the shape of torchtune's recipes: :meth:`setup` builds the
    accelerator, data, model and optimizer, resuming from a checkpoint when asked;
    :meth:`train_epoch`, :meth:`evaluate` and :meth:`save_checkpoint` make an epoch;
    :meth:`cleanup` scores the selected model and writes the run's reports. What
    carries from epoch to epoch is :attr:`state`, the :class:`RunState` a checkpoint saves."""

    def __init__(self, config: Config):
        self.config = determinism.configure(config)  # threads and kernels; records the thread count in effect
        self.tc = self.config.train
        self.run_dir = Path(self.tc.output_dir)
        self.state = RunState()

    def setup(self) -> None:
        from accelerate import Accelerator
        from accelerate.utils import set_seed

        tc = self.tc
        precision = resolve_mixed_precision(tc.mixed_precision)
        self.accelerator = Accelerator(mixed_precision=precision,
                                       gradient_accumulation_steps=tc.gradient_accumulation_steps)
        set_seed(tc.seed)
        self.say = self.accelerator.print
        if tc.mixed_precision == "auto":
            self.say(f"mixed precision: auto -> {precision}")
        main = self.accelerator.is_main_process
        if main:  # refuse before any work: a finished run, changed settings
            prepare_run_dir(self.run_dir, config_to_dict(self.config), tc.resume, tc.overwrite, tc.force_resume,
                            defaults=config_to_dict(Config()))
        self._setup_data_and_model()
        checkpoint = self._find_checkpoint()
        if checkpoint:
            self.state = self._resume(checkpoint)
        if main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            dump_config(self.config, self.run_dir / "config.yaml")
        self.log = _Log(self.run_dir / "train_log.jsonl", main, keep_lines=self.state.log_lines)
        if checkpoint:
            self.log.write({"resumed_from_epoch": self.state.epoch})

    def _setup_data_and_model(self) -> None:
        config, accelerator = self.config, self.accelerator
        self.splits = build_dataset(config.data).splits
        self.scored = scored_sets(config.data)
        model, self.tokenizer, self.settings = load_model(config, self.splits["train"])
        self.predictor = Predictor(model, self.tokenizer, self.settings, batch_size=self.tc.eval_batch_size,
                                   device=str(accelerator.device))
        labels = config.data.labels
        seed_gold = {"seed": read_jsonl(config.data.seed_gold, labels=labels)} if config.data.seed_gold else {}
        self.windows = _report_alignment(self.predictor, self.splits, {**seed_gold, **self.scored}, self.say)
        optimizer, self.scheduler = _optimizer(model, self.tc, len(self.windows), accelerator.num_processes)
        self.model, self.optimizer = accelerator.prepare(model, optimizer)

    def _find_checkpoint(self) -> Path | None:
        if not self.tc.resume:
            return None
        checkpoint = find_checkpoint(self.run_dir, self.say)
        if not checkpoint:
            self.say(f"no finished checkpoint in {self.run_dir}: starting at epoch 1")
        return checkpoint

    def _resume(self, chosen: Path) -> RunState:
        """Restore weights, optimizer, RNG and run state from one verified checkpoint;
        put its best model back at the top of the run dir and cut the log to what it had seen."""
        accelerator, run_dir = self.accelerator, self.run_dir
        accelerator.wait_for_everyone()  # every process has chosen before the main one renames
        if accelerator.is_main_process:
            adopt_checkpoint(run_dir, chosen)
        accelerator.wait_for_everyone()
        checkpoint = run_dir / CHECKPOINT
        state = load_trainer_state(checkpoint)
        accelerator.load_state(str(checkpoint))
        self.scheduler.load_state_dict(state.scheduler)
        if accelerator.is_main_process:
            publish_best(checkpoint, run_dir)
            truncate_log(run_dir / "train_log.jsonl", state.log_lines)
        state.resumed_from = [*state.resumed_from, state.epoch]
        self.say(f"resumed from {chosen} after epoch {state.epoch}")
        return state

    def epochs(self) -> range:
        """The epochs left: from the one after the checkpoint's up to ``train.epochs``."""
        return range(self.state.epoch + 1, self.tc.epochs + 1)

    def train_epoch(self, epoch: int) -> float:
        """One pass over this process's batches; returns the mean training loss."""
        from tqdm.auto import tqdm

        tc, accelerator, model, windows = self.tc, self.accelerator, self.model, self.windows
        model.train()
        lengths = [len(w.input_ids) for w in windows] if tc.group_by_length else None
        batches = epoch_batches(len(windows), tc.batch_size, tc.seed, epoch,
                                accelerator.process_index, accelerator.num_processes, lengths)
        bar = tqdm(batches, desc=f"epoch {epoch}", disable=not (tc.progress and accelerator.is_main_process))
        total, count = 0.0, 0
        for batch in bar:
            loss = self._train_step([windows[i] for i in batch])
            total += loss
            count += 1
            bar.set_postfix(loss=f"{total / count:.4f}")
            self.log.write({"epoch": epoch, "step": count, "loss": loss, "lr": self.scheduler.get_last_lr()[0]})
        return total / max(1, count)

    def _train_step(self, batch: list[Window]) -> float:
        accelerator, model, optimizer = self.accelerator, self.model, self.optimizer
        ids, mask, labels = (t.to(accelerator.device) for t in pad_batch(
            batch, self.tokenizer.pad_token_id, with_labels=True))
        with accelerator.accumulate(model):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), self.tc.max_grad_norm)
            optimizer.step()
            if accelerator.sync_gradients:
                self.scheduler.step()
            optimizer.zero_grad()
        return loss.item()

    def evaluate(self, docs: Sequence[Document]) -> dict:
        """Strict span scores (exact offsets and label) of the model as it is now on ``docs``."""
        self.predictor.model = self.accelerator.unwrap_model(self.model).eval()
        try:
            predictions = self.predictor.predict(docs)
        finally:
            self.model.train()
        return evaluate_documents(docs, predictions, labels=self.config.data.labels, bootstrap=0)["span_exact"]

    def record_epoch(self, epoch: int, loss: float, dev_f1: float) -> None:
        """Log the epoch and keep the best dev score (the first epoch is always best so far)."""
        state = self.state
        state.history.append({"epoch": epoch, "train_loss": loss, "dev_f1": dev_f1})
        self.log.write({"epoch": epoch, "train_loss": loss, "dev_micro_f1": dev_f1})
        self.say(f"epoch {epoch}: train loss {loss:.4f}, dev span micro-F1 {dev_f1:.4f}")
        if dev_f1 > state.best_dev_f1 or state.best_epoch == 0:
            state.best_dev_f1, state.best_epoch, state.epochs_without_gain = dev_f1, epoch, 0
        else:
            state.epochs_without_gain += 1

    def save_checkpoint(self, epoch: int) -> None:
        """Checkpoint after ``epoch``; a new best model also goes to the top of the run dir.
        Every process must call this."""
        state, improved = self.state, self.state.best_epoch == epoch
        state.epoch, state.scheduler, state.log_lines = epoch, self.scheduler.state_dict(), self.log.lines
        saved = write_checkpoint(self.accelerator, self.run_dir, state, self._save_model if improved else None)
        if improved and self.accelerator.is_main_process:
            publish_best(saved, self.run_dir)

    def should_stop(self) -> bool:
        """Early stopping: ``train.early_stopping_patience`` epochs without a better dev score."""
        patience, waited = self.tc.early_stopping_patience, self.state.epochs_without_gain
        if patience and waited >= patience:
            self.say(f"early stopping: no dev improvement for {waited} epochs")
            return True
        return False

    def cleanup(self) -> TrainResult:
        """Once every process is done: score the selected model and write the run's reports."""
        self.accelerator.wait_for_everyone()
        metrics = {}
        if self.accelerator.is_main_process:
            metrics = finish_run(self.run_dir, self.splits, self.scored, self.state, self.config)
            self.say(metrics_table(metrics))
        return TrainResult(self.run_dir, metrics, self.state.history)

    def _save_model(self, directory: Path) -> None:
        """The loadable model (what ``Predictor.from_dir`` reads) into ``directory``."""
        self.accelerator.unwrap_model(self.model).save_pretrained(directory)  # safetensors by default
        self.tokenizer.save_pretrained(directory)
        self.settings.save(directory)


def resolve_mixed_precision(setting: str) -> str:
    """``auto`` -> ``bf16`` where bf16 runs natively on the device training uses (the
    check prediction's ``--dtype auto`` makes), else ``no``; other settings as given.

    >>> resolve_mixed_precision("no"), resolve_mixed_precision("bf16")
    ('no', 'bf16')
    """
    if setting != "auto":
        return setting
    return "bf16" if auto_dtype(resolve_device("auto")) == "bf16" else "no"


def training_attention(setting: str, device: str = "auto") -> str:
    """The attention kernel to train with: ``auto`` is eager on a CPU, where the SDPA
    kernels' backward (flash, or the math path with its dropout masks) costs more than the
    plain products and softmax, and sdpa on a GPU. Same arithmetic either way.

    >>> training_attention("auto", "cpu"), training_attention("auto", "cuda"), training_attention("sdpa", "cpu")
    ('eager', 'sdpa', 'sdpa')
    """
    if setting != "auto":
        return setting
    if device == "auto":
        device = resolve_device(device)
    return "eager" if torch.device(device).type == "cpu" else "sdpa"


def known_names(gazetteers: Gazetteers, train_docs: Sequence[Document]) -> tuple[set[str], list[str]]:
    """What a model saves of the names it knows: the lexicon (the first word of every listed
    and gold name, so a proclitic before it is split off) and the listed and gold PLACE
    names that coordination would cut but keeps whole (:func:`arner.coordination.joined_names`)."""
    lexicon = set(gazetteers.lexicon()) | {d.span_text(s).split()[0] for d in train_docs for s in d.spans}
    places = {p.name for p in gazetteers.places}
    places |= {d.span_text(s) for d in train_docs for s in d.spans if s.label == "PLACE"}
    return lexicon, joined_names(places, lexicon)


def load_model(config: Config, train_docs: Sequence[Document]):
    """Model, tokenizer and preprocessing settings for ``config.model``."""
    from arner.encoders.sources import ModelLoadError, auto_normalizer, load_token_classifier

    mc = config.model
    lexicon, joined = known_names(load_gazetteers(config.data.gazetteers), train_docs)
    normalize = auto_normalizer(mc.name) if mc.normalize == "auto" else mc.normalize
    labels = bio_labels(config.data.labels)
    texts = [d.text for d in train_docs]
    model, tokenizer = load_token_classifier(
        mc.name, labels, texts=texts, seed=config.train.seed, cache_dir=mc.cache_dir,
        local_files_only=mc.local_files_only,
    )
    if mc.dropout is not None:
        set_dropout(model, mc.dropout)
    if mc.attention_dropout is not None and not set_attention_dropout(model, mc.attention_dropout):
        raise ModelLoadError(f"model.attention_dropout: {mc.name!r} has no attention dropout this setting "
                             f"knows (an nn.Dropout beside one of {ATTENTION_KEY_PROJECTIONS})")
    model.set_attn_implementation(training_attention(mc.attention))
    if mc.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions is not None and mc.max_length > positions:
        raise ModelLoadError(f"model.max_length={mc.max_length} exceeds the {positions} positions of "
                             f"{mc.name!r}; windows that long would fail at prediction")
    settings = PreprocessSettings(labels, mc.split_clitics, sorted(lexicon), normalize, mc.max_length, mc.stride,
                                  line_windows=mc.line_windows, split_coordination=True,
                                  joined_names=joined,
                                  min_span_score=mc.min_span_score)
    return model, tokenizer, settings


# Where encoders' configs keep their dropout rates (BERT, RoBERTa and ELECTRA; DistilBERT;
# the head's own): rewritten so that the saved config.json says what the model trained with.
DROPOUT_CONFIG_KEYS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout",
                       "classifier_dropout")


def set_dropout(model, rate: float) -> None:
    """Every dropout of ``model`` at ``rate``: its ``nn.Dropout`` modules (attention reads
    its rate from them too) and the rates its config records.

    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.1))
    >>> model.config = type("Config", (), {"hidden_dropout_prob": 0.1, "classifier_dropout": None})()
    >>> set_dropout(model, 0.0)
    >>> model[1].p, model.config.hidden_dropout_prob, model.config.classifier_dropout
    (0.0, 0.0, 0.0)
    """
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = rate
    for key in DROPOUT_CONFIG_KEYS:
        if hasattr(model.config, key):
            setattr(model.config, key, rate)


# The attention modules' projections by family: a dropout beside them drops attention
# probabilities (BERT, RoBERTa and ELECTRA; DistilBERT; most others), and the config keys
# that record its rate.
ATTENTION_KEY_PROJECTIONS = ("key", "k_lin", "k_proj")
ATTENTION_DROPOUT_CONFIG_KEYS = ("attention_probs_dropout_prob", "attention_dropout")


def attention_dropouts(model) -> list[torch.nn.Dropout]:
    """The ``nn.Dropout`` modules of ``model`` that drop attention probabilities: those of
    every module that holds an attention's key projection (``ATTENTION_KEY_PROJECTIONS``)."""
    attention = [m for m in model.modules() if any(hasattr(m, k) for k in ATTENTION_KEY_PROJECTIONS)]
    return [c for m in attention for c in m.children() if isinstance(c, torch.nn.Dropout)]


def set_attention_dropout(model, rate: float) -> int:
    """The dropout of ``model``'s attention probabilities at ``rate``, its other dropouts as
    they are: the ``nn.Dropout`` of every module that holds an attention's key projection
    (attention reads its rate from it) and the rates its config records. Returns how many
    dropouts it set.

    >>> import torch
    >>> class Attention(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.key, self.dropout = torch.nn.Linear(2, 2), torch.nn.Dropout(0.1)
    >>> model = torch.nn.Sequential(Attention(), torch.nn.Dropout(0.1))
    >>> model.config = type("Config", (), {"hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1})()
    >>> set_attention_dropout(model, 0.0)
    1
    >>> model[0].dropout.p, model[1].p, model.config.attention_probs_dropout_prob, model.config.hidden_dropout_prob
    (0.0, 0.1, 0.0, 0.1)
    """
    dropouts = attention_dropouts(model)
    for module in dropouts:
        module.p = rate
    for key in ATTENTION_DROPOUT_CONFIG_KEYS:
        if dropouts and hasattr(model.config, key):
            setattr(model.config, key, rate)
    return len(dropouts)


def _report_alignment(predictor: Predictor, splits: dict, scored: dict, say) -> list[Window]:
    """Encode the training windows and print how exactly each gold set is represented."""
    train_windows: list[Window] = []
    for name, docs in [*splits.items(), *scored.items()]:
        if not docs:
            continue
        stats = AlignStats()
        windows = predictor.windows(docs, stats)
        say(f"{name}: {stats.summary()}")
        if name == "train":
            train_windows = windows
    return train_windows


def _optimizer(model, tc, n_windows: int, processes: int):
    from transformers import get_linear_schedule_with_warmup

    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    head = [p for n, p in trained if n.startswith("classifier")]
    body = [p for n, p in trained if not n.startswith("classifier")]
    # fused: one kernel over all parameters instead of a Python loop over each tensor
    # (same update; on CPU the loop is a visible share of a small model's step)
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": tc.learning_rate}, {"params": head, "lr": tc.head_learning_rate}],
        weight_decay=tc.weight_decay, fused=True,
    )
    batches = math.ceil(math.ceil(n_windows / tc.batch_size) / processes)
    steps = math.ceil(batches / tc.gradient_accumulation_steps)
    total = max(1, steps * tc.epochs)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(tc.warmup_fraction * total), total)
    return optimizer, scheduler


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int, rank: int, world: int,
                  lengths: Sequence[int] | None = None) -> list[list[int]]:
    """This process's batches of window indices for ``epoch``: shuffled under the seed,
    with the list wrapped round so every process gets the same number (nothing dropped).

    With ``lengths``, windows of similar length share a batch (sorted within pools of
    :data:`LENGTH_POOL` batches, then the batches shuffled), so little compute goes to
    padding; the choice of batches stays random under the seed.

    >>> epoch_batches(5, 2, seed=0, epoch=1, rank=0, world=1) == epoch_batches(5, 2, 0, 1, 0, 1)
    True
    >>> sorted(i for b in epoch_batches(5, 2, 0, 1, 0, 1) for i in b)
    [0, 1, 2, 3, 4]
    >>> [sorted(b) for b in epoch_batches(4, 2, 0, 1, 0, 1, lengths=[9, 1, 8, 2]) if 0 in b]
    [[0, 2]]
    """
    generator = torch.Generator().manual_seed(seed * 1000 + epoch)
    order = torch.randperm(n, generator=generator).tolist()
    if lengths is not None:
        pool = batch_size * LENGTH_POOL
        order = [i for p in range(0, n, pool) for i in sorted(order[p : p + pool], key=lengths.__getitem__)]
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    if lengths is not None:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    while world > 1 and len(batches) % world:
        batches.append(batches[len(batches) % max(1, len(batches))])
    return batches[rank::world]


class _Log:
    """JSON lines in the run directory (main process only); ``lines`` counts them so a
    checkpoint can record how much of the log it has seen."""

    def __init__(self, path: Path, enabled: bool, keep_lines: int):
        self.path, self.enabled, self.lines = path, enabled, keep_lines
        if enabled and not keep_lines:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.lines += 1
        if self.enabled:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"time": round(time.time(), 3), **record}) + "\n")

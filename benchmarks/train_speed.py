#!/usr/bin/env python
"""How much of training's time goes to the loop around the model: the real step against a bare one.

    .venv/bin/python benchmarks/train_speed.py [--config configs/quickstart.yaml] [--steps 40] [--threads 2]
    .venv/bin/python benchmarks/train_speed.py --mixed-precision bf16 --max-docs 400 train.batch_size=8

The training windows are built as ``train.py`` builds them (the config's dataset,
its model and tokenizer, the windows of the train split), and the first
``--steps`` batches of epoch 1 are drawn as training draws them
(``arner.training.epoch_batches``, grouped by length when the config says so).
Two arms run over the SAME batches:

1. real: what one step of training's epoch loop does, by training's own code
   (``TrainingRecipe``'s step, optimizer and log): collate the batch from its
   windows (``pad_batch``), forward and backward through ``accelerate``
   (``accumulate``, ``backward``, gradient clipping), optimizer and scheduler step,
   ``zero_grad``, the loss read back with ``.item()``, a log line written (the
   progress bar is left out);
2. bare: the batches collated into tensors beforehand, then only forward,
   backward, optimizer step and ``zero_grad`` on the same model and optimizer.

The arms alternate in blocks of ``--block`` steps (real, bare, real, bare, ...)
so that a load change on the machine hits both alike; one step of each runs
first, untimed. Reported: tokens/s of each arm, real (non-padding) tokens and
padded tokens; the loss share ``1 - real/bare`` (time the loop spends beyond the
bare model); the padding share (padded positions of all positions computed);
their combination, real tokens/s of the real loop against padded tokens/s of the
bare one; and each arm's model FLOP/s as a share of the matmul peak
measured in this process (``predict_speed.peak_with_kernels``, at bf16 under
``--mixed-precision bf16``, else float32, the same thread count).

Training FLOPs of a batch of ``rows`` windows padded to ``width``:
``rows x width x (6 x P + 12 x layers x hidden x width)``, with P the
non-embedding parameters (each weight one multiply-add forward and two backward;
embedding rows are looked up, not multiplied) and attention's forward
``4 x layers x hidden x width`` per token (scores QK^T and their product with V)
tripled for the backward, padding included (the model computes it too).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from predict_speed import ROOT, peak_with_kernels  # noqa: E402  (also puts src/ on the path)

import torch  # noqa: E402

from arner import determinism  # noqa: E402
from arner.config import load_config  # noqa: E402
from arner.dataset import build_dataset  # noqa: E402
from arner.predict import DTYPES, Predictor, pad_batch  # noqa: E402
from arner.training import TrainingRecipe, _Log, _optimizer, epoch_batches, load_model  # noqa: E402


def training_windows(config, max_docs: int | None):
    """Model, tokenizer and the train split's windows, as training builds them; with
    ``max_docs``, the windows of that many train documents drawn under the data seed."""
    train_docs = build_dataset(config.data).splits["train"]
    model, tokenizer, settings = load_model(config, train_docs)
    if max_docs and max_docs < len(train_docs):
        train_docs = random.Random(config.data.seed).sample(train_docs, max_docs)
    windows = Predictor(model, tokenizer, settings, device="cpu").windows(train_docs)
    return model.train(), tokenizer, windows, len(train_docs)


def drawn_batches(windows, tc, steps: int) -> list[list[int]]:
    """The first ``steps`` batches training draws: epoch 1's, then epoch 2's, and so on."""
    lengths = [len(w.input_ids) for w in windows] if tc.group_by_length else None
    batches: list[list[int]] = []
    epoch = 1
    while len(batches) < steps:
        batches += epoch_batches(len(windows), tc.batch_size, tc.seed, epoch, 0, 1, lengths)
        epoch += 1
    return batches[:steps]


class Arms:
    """The real training step (training's own, :class:`TrainingRecipe`'s) and the bare one,
    on one model and optimizer."""

    def __init__(self, config, model, tokenizer, windows, log_path: Path):
        from accelerate import Accelerator

        tc = config.train
        # Only what a training step reads is set up: no run directory, dataset or checkpoint.
        self.recipe = recipe = TrainingRecipe(config)
        recipe.accelerator = Accelerator(mixed_precision=tc.mixed_precision,
                                         gradient_accumulation_steps=tc.gradient_accumulation_steps)
        optimizer, recipe.scheduler = _optimizer(model, tc, len(windows), 1)
        recipe.model, recipe.optimizer = recipe.accelerator.prepare(model, optimizer)
        recipe.tokenizer, recipe.log = tokenizer, _Log(log_path, True, keep_lines=0)
        self.windows, self.pad_id, self.tc, self.bare_steps = windows, tokenizer.pad_token_id, tc, 0

    def real(self, batch: list[int]) -> None:
        """One step of training's epoch loop: its step (collation included) and its log line."""
        recipe = self.recipe
        loss = recipe._train_step([self.windows[i] for i in batch])
        recipe.log.write({"epoch": 1, "step": 1, "loss": loss, "lr": recipe.scheduler.get_last_lr()[0]})

    def collated(self, batch: list[int]) -> tuple[torch.Tensor, ...]:
        return tuple(t.to(self.recipe.accelerator.device) for t in pad_batch(
            [self.windows[i] for i in batch], self.pad_id, with_labels=True))

    def bare(self, tensors: tuple[torch.Tensor, ...]) -> None:
        """Forward, backward and an optimizer step (every ``gradient_accumulation_steps``) only."""
        ids, mask, labels = tensors
        self.recipe.model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        self.bare_steps += 1
        if self.bare_steps % self.tc.gradient_accumulation_steps == 0:
            self.recipe.optimizer.optimizer.step()
            self.recipe.optimizer.optimizer.zero_grad()

    def synchronize(self) -> None:
        if self.recipe.accelerator.device.type == "cuda":
            torch.cuda.synchronize()


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def time_arms(arms: Arms, batches: list[list[int]], block: int, clock=time.perf_counter) -> dict[str, float]:
    """Seconds of ``clock`` each arm spends on ``batches``, the arms alternating in blocks of ``block`` steps."""
    tensors = [arms.collated(b) for b in batches]
    arms.real(batches[0])  # warm-up, both arms: kernels chosen, optimizer state allocated
    arms.bare(tensors[0])
    seconds = {"real": 0.0, "bare": 0.0}
    for start in range(0, len(batches), block):
        for arm, run, items in (("real", arms.real, batches), ("bare", arms.bare, tensors)):
            arms.synchronize()
            began = clock()
            for item in items[start:start + block]:
                run(item)
            arms.synchronize()
            seconds[arm] += clock() - began
    return seconds


def training_flops(model, batches: list[tuple[int, int]]) -> float:
    """Training FLOPs over batches given as ``(rows, width)`` (formula in the module doc)."""
    config = model.config
    dense = sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)
    attention = 12 * config.num_hidden_layers * config.hidden_size
    return float(sum(rows * width * (6 * dense + attention * width) for rows, width in batches))


def measure(args: argparse.Namespace) -> dict[str, float]:
    """Build, time both arms, print the figures; returns them by name."""
    overrides = [*args.overrides, f"train.mixed_precision={args.mixed_precision}"]
    if args.threads:
        overrides.append(f"train.threads={args.threads}")
    config = determinism.configure(load_config(args.config, overrides))
    tc = dataclasses.replace(config.train, progress=False)
    model, tokenizer, windows, docs = training_windows(config, args.max_docs)
    batches = drawn_batches(windows, tc, args.steps)
    shapes = [(len(b), max(len(windows[i].input_ids) for i in b)) for b in batches]
    real_tokens = sum(len(windows[i].input_ids) for b in batches for i in b)
    padded_tokens = sum(rows * width for rows, width in shapes)
    print(f"{args.config}: {model.num_parameters() / 1e6:.1f} M parameters, {len(windows)} windows from {docs} "
          f"train documents; {len(batches)} steps of batch {tc.batch_size} (group_by_length "
          f"{tc.group_by_length}), mixed precision {tc.mixed_precision}, {torch.get_num_threads()} threads, "
          f"blocks of {args.block}, {args.clock} clock; torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "train_log.jsonl"
        arms = Arms(dataclasses.replace(config, train=tc), model, tokenizer, windows, log)
        seconds = time_arms(arms, batches, args.block, CLOCKS[args.clock])
    figures = {"real_tokens": real_tokens, "padded_tokens": padded_tokens,
               "padding_share": 1 - real_tokens / padded_tokens, "loss_share": 1 - seconds["bare"] / seconds["real"]}
    for arm, took in seconds.items():
        figures[f"{arm}_seconds"] = took
        figures[f"{arm}_tokens_per_s"] = real_tokens / took
        figures[f"{arm}_padded_tokens_per_s"] = padded_tokens / took
        print(f"  {arm + ' loop:':11} {real_tokens / took:9.1f} tokens/s ({padded_tokens / took:.1f} padded "
              f"tokens/s; {took:.2f} s for {real_tokens} tokens, {padded_tokens} with padding)")
    figures["lost_share"] = 1 - figures["real_tokens_per_s"] / figures["bare_padded_tokens_per_s"]
    print(f"  loss share, 1 - bare/real time: {100 * figures['loss_share']:.1f}%; padding share: "
          f"{100 * figures['padding_share']:.1f}% of positions; together, real tokens/s of the real loop "
          f"against padded tokens/s of the bare one: {100 * figures['lost_share']:.1f}% lost")
    figures |= print_hardware_share(model, shapes, seconds, tc.mixed_precision, args.matmul_size,
                                    CLOCKS[args.clock])
    return figures


def print_hardware_share(model, shapes, seconds: dict[str, float], precision: str, size: int, clock) -> dict:
    """Each arm's model FLOP/s as a share of the matmul peak (the faster of torch.matmul and
    oneDNN's linear) at the precision the matmuls run in."""
    flops = training_flops(model, shapes)
    dtype = "bf16" if precision == "bf16" else "float32"
    peak, each = peak_with_kernels(DTYPES[dtype], size, clock=clock)
    print(f"against the hardware ({flops / 1e9:.1f} GFLOP: 6 x non-embedding parameters per token + attention "
          f"12 x layers x hidden x width; square products of side {size} in {dtype}, "
          f"{torch.get_num_threads()} threads: {each} GFLOP/s):")
    out = {"matmul_peak": peak}
    for arm, took in seconds.items():
        out[f"{arm}_peak_share"] = flops / took / peak
        print(f"  {arm + ' loop:':11} {flops / took / 1e9:8.1f} GFLOP/s, {100 * flops / took / peak:.0f}% of "
              f"matmul peak")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "quickstart.yaml",
                        help="the training config (default: configs/quickstart.yaml)")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as train.py takes")
    parser.add_argument("--steps", type=int, default=40, help="training steps each arm times (default: 40)")
    parser.add_argument("--block", type=int, default=5, help="steps an arm runs before the other's turn")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: the config's train.threads)")
    parser.add_argument("--mixed-precision", choices=("no", "bf16"), default="no")
    parser.add_argument("--max-docs", type=int, help="encode only this many train documents (drawn under the "
                                                     "data seed; the model is built from them all)")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                        help="wall (default), or cpu: this process's CPU seconds, less disturbed by other "
                             "processes on a busy machine (best with --threads 1); the matmul peak is timed "
                             "by the same clock")
    parser.add_argument("--matmul-size", type=int, default=2048,
                        help="side of the square matrices of the matmul peak (default: 2048)")
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    measure(args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""What a training step costs under each attention kernel, with and without attention dropout.

    .venv/bin/python benchmarks/attention_cost.py [--config configs/quickstart.yaml] [--threads 2]
    .venv/bin/python benchmarks/attention_cost.py --threads 1 --clock cpu --every 9 --rounds 2

The training windows are built as ``train.py`` builds them (``train_speed.training_windows``),
and every ``--every``-th batch of epoch 1 is taken, so that short and long batches of the
whole epoch are both in the sample. One model steps through those batches by training's
own step (``train_speed.Arms.real``) under each variant in turn: attention kernel
(``sdpa``, ``eager``) times attention dropout (the encoder's own, 0), switched in place
(``set_attn_implementation``, ``training.set_attention_dropout``). The variants alternate
in blocks of ``--block`` batches, ``--rounds`` times over the sample, so that a load
change on the machine hits all of them alike; a step of each runs first, untimed.
Reported: each variant's seconds and its share of the first (SDPA with the encoder's
dropout, what training ran before ``model.attention``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import CLOCKS, Arms, drawn_batches, training_windows  # noqa: E402  (puts src/ on the path)

from arner import determinism  # noqa: E402
from arner.config import load_config  # noqa: E402
from arner.training import attention_dropouts, set_attention_dropout  # noqa: E402

KERNELS = ("sdpa", "eager")


def variants(own_rate: float) -> list[tuple[str, float]]:
    """(kernel, attention dropout) pairs, the pre-``model.attention`` default first.

    >>> variants(0.1)
    [('sdpa', 0.1), ('sdpa', 0.0), ('eager', 0.1), ('eager', 0.0)]
    """
    return [(kernel, rate) for kernel in KERNELS for rate in dict.fromkeys((own_rate, 0.0))]


def time_variants(arms: Arms, model, batches, block: int, rounds: int, clock) -> dict[tuple[str, float], float]:
    """Seconds of ``clock`` each variant spends on ``batches``, ``rounds`` times, alternating by block."""
    chosen = variants(attention_dropouts(model)[0].p)
    seconds = dict.fromkeys(chosen, 0.0)

    def use(variant):
        model.set_attn_implementation(variant[0])
        set_attention_dropout(model, variant[1])

    for variant in chosen:  # warm-up: kernels chosen, optimizer state allocated
        use(variant)
        arms.real(batches[0])
    for _ in range(rounds):
        for start in range(0, len(batches), block):
            for variant in chosen:
                use(variant)
                began = clock()
                for batch in batches[start:start + block]:
                    arms.real(batch)
                seconds[variant] += clock() - began
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/quickstart.yaml")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mixed-precision", choices=("no", "bf16"), default="bf16")
    parser.add_argument("--every", type=int, default=9, help="take every N-th batch of epoch 1")
    parser.add_argument("--block", type=int, default=6, help="batches a variant runs before the next's turn")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the sampled batches")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as train.py takes")
    args = parser.parse_args()
    overrides = [*args.overrides, f"train.mixed_precision={args.mixed_precision}", f"train.threads={args.threads}"]
    config = determinism.configure(load_config(args.config, overrides))
    tc = dataclasses.replace(config.train, progress=False)
    model, tokenizer, windows, docs = training_windows(config, None)
    batches = drawn_batches(windows, tc, -(-len(windows) // tc.batch_size))[::args.every]
    widths = sorted(max(len(windows[i].input_ids) for i in b) for b in batches)
    print(f"{args.config}: {len(windows)} windows from {docs} documents; {len(batches)} batches of epoch 1 "
          f"(one in every {args.every}; widths {widths[0]}-{widths[-1]}, median {widths[len(widths) // 2]}), "
          f"{args.rounds} rounds, blocks of {args.block}, {args.threads} threads, {args.mixed_precision}, "
          f"{args.clock} clock")
    with tempfile.TemporaryDirectory() as tmp:
        arms = Arms(dataclasses.replace(config, train=tc), model, tokenizer, windows, Path(tmp) / "log.jsonl")
        seconds = time_variants(arms, model, batches, args.block, args.rounds, CLOCKS[args.clock])
    first = next(iter(seconds.values()))
    for (kernel, rate), took in seconds.items():
        print(f"  {kernel:5} attention, attention dropout {rate:.2f}: {took:8.3f} s for "
              f"{args.rounds * len(batches)} steps, {took / first:.3f} of the first")


if __name__ == "__main__":
    main()

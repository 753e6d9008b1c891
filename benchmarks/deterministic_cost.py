#!/usr/bin/env python
"""What deterministic kernels cost a training step of the quickstart model.

Trains each of ``--steps`` quickstart batches twice in one process, once with
``torch.use_deterministic_algorithms`` off and once on, the order alternating
(off-on, on-off, ...) so drift in machine load falls on both sides alike, and
prints the wall and CPU seconds of each side and their ratio.

    .venv/bin/python benchmarks/deterministic_cost.py [--steps 20] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import torch  # noqa: E402

from arner.config import load_config  # noqa: E402
from arner.dataset import build_dataset  # noqa: E402
from arner.predict import Predictor, pad_batch  # noqa: E402
from arner.training import epoch_batches, load_model  # noqa: E402


def timed_step(model, optimizer, batch, deterministic: bool) -> tuple[float, float]:
    """One forward/backward/update; ``(wall, cpu)`` seconds."""
    torch.use_deterministic_algorithms(deterministic)
    wall, cpu = time.perf_counter(), time.process_time()
    loss = model(**batch).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="batches, each trained once per mode")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--documents", type=int, default=640, help="written-corpus documents to batch")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(13)
    config = load_config(ROOT / "configs" / "quickstart.yaml",
                         ["data.output_dir=/tmp/arner_deterministic_cost", "data.eval_set=null", "data.test_corpora=[]"])
    config.data.corpora[0].max_documents = args.documents
    train_docs = build_dataset(config.data).splits["train"]
    model, tokenizer, settings = load_model(config, train_docs)
    windows = Predictor(model, tokenizer, settings, device="cpu").windows(train_docs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model.train()
    lengths = [len(w.input_ids) for w in windows]
    batches = epoch_batches(len(windows), 16, 13, 1, 0, 1, lengths)[: args.steps]
    totals = {False: [0.0, 0.0], True: [0.0, 0.0]}
    for k, indices in enumerate(batches):
        ids, mask, labels = pad_batch([windows[i] for i in indices], tokenizer.pad_token_id, with_labels=True)
        batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
        for deterministic in ((False, True) if k % 2 == 0 else (True, False)):
            wall, cpu = timed_step(model, optimizer, batch, deterministic)
            totals[deterministic][0] += wall
            totals[deterministic][1] += cpu
    (off_wall, off_cpu), (on_wall, on_cpu) = totals[False], totals[True]
    print(f"{len(batches)} steps per mode, {args.threads} threads: off {off_wall:.1f} s wall, {off_cpu:.1f} s CPU; "
          f"on {on_wall:.1f} s wall, {on_cpu:.1f} s CPU; on/off {on_wall / off_wall:.3f} wall, "
          f"{on_cpu / off_cpu:.3f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())

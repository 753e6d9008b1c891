"""Bootstrap intervals over documents and the paired comparison of two runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from arner.metrics.loaders import EvaluationError
from arner.metrics.scores import _f1_array

CI_LEVEL = 0.95


def bootstrap_sums(counts: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Sums of per-document ``counts`` (documents, ...) over ``samples`` resamples of
    the documents with replacement: shape (samples, ...). Deterministic for a seed.

    Each resample is a vector of document weights (how often each was drawn),
    so a batch of resamples is one matrix product.

    >>> bootstrap_sums(np.array([[1.0], [1.0]]), 3, seed=0)[:, 0]
    array([2., 2., 2.])
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.shape[0]
    flat = counts.reshape(n, -1)
    rng = np.random.default_rng(seed)
    out = np.empty((samples, flat.shape[1]))
    batch = max(1, 4_000_000 // max(n, 1))  # bounds the weight matrix to ~32 MB
    for low in range(0, samples, batch):
        size = min(batch, samples - low)
        draws = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        weights = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        out[low : low + size] = weights @ flat
    return out.reshape(samples, *counts.shape[1:])


def _interval(values: np.ndarray) -> list[float]:
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return [float(low), float(high)]


def _add_intervals(
    metrics: dict[str, Any], blocks: dict[str, np.ndarray], samples: int, seed: int
) -> None:
    """Put ``f1_ci`` next to every micro and per-label F1 of the blocks (per-document
    (documents, labels, 3) tp/fp/fn arrays), all from the same resamples."""
    names = list(blocks)
    if samples <= 0 or not names or blocks[names[0]].shape[0] == 0:
        return
    sums = bootstrap_sums(np.concatenate([blocks[name] for name in names], axis=1), samples, seed)
    offset = 0
    for name in names:
        part = sums[:, offset : offset + blocks[name].shape[1]]
        offset += blocks[name].shape[1]
        if name == "casualty_value":
            metrics[name]["f1_ci"] = _interval(_f1_array(part.sum(axis=1)))
            continue
        metrics[name]["micro"]["f1_ci"] = _interval(_f1_array(part.sum(axis=1)))
        for i, label in enumerate(metrics[name]["per_label"]):
            metrics[name]["per_label"][label]["f1_ci"] = _interval(_f1_array(part[:, i]))


def _paired_p_value(differences: np.ndarray, delta: float) -> float:
    """Berg-Kirkpatrick et al. (2012): share of resamples whose difference exceeds
    twice the observed one in its direction (the resamples are centred on delta)."""
    if delta == 0:
        return 1.0
    return float(np.mean(np.sign(delta) * differences >= 2 * abs(delta)))


def _paired_counts(
    this: Mapping[str, Any], other: Mapping[str, Any], other_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Both runs' (documents, labels, 3) span_exact counts, rows in the same document order."""
    if this["gold_fingerprint"] != other["gold_fingerprint"] or this["labels"] != other["labels"]:
        raise EvaluationError(
            f"{other_name}: scored on other gold or labels ({other['labels']} vs "
            f"{this['labels']}); a paired comparison needs the same gold documents and labels"
        )
    position = {doc_id: i for i, doc_id in enumerate(other["ids"])}
    rows = [position[doc_id] for doc_id in this["ids"]]  # same gold, so the same ids
    return np.asarray(this["span_exact"], dtype=float), np.asarray(
        other["span_exact"], dtype=float
    )[rows]


def compare_runs(
    this: Mapping[str, Any],
    other: Mapping[str, Any],
    *,
    samples: int = 1000,
    seed: int = 0,
    other_name: str = "other",
) -> dict[str, Any]:
    """Paired bootstrap of the span_exact micro-F1 difference (this - other).

    ``this`` and ``other`` are per-document records (see :func:`arner.report.load_per_document`)
    of two prediction sets scored on the same gold, resampled with the same draws.
    """
    a, b = _paired_counts(this, other, other_name)
    f1_a, f1_b = (float(_f1_array(x.sum(axis=(0, 1)))) for x in (a, b))
    result: dict[str, Any] = {
        "other": other_name,
        "metric": "span_exact micro F1",
        "f1": f1_a,
        "other_f1": f1_b,
        "delta": f1_a - f1_b,
        "delta_ci": None,
        "p_value": None,
        "samples": samples,
        "seed": seed,
    }
    if samples > 0 and len(a):
        sums = bootstrap_sums(np.concatenate([a, b], axis=1), samples, seed)
        micro_a, micro_b = sums[:, : a.shape[1]].sum(axis=1), sums[:, a.shape[1] :].sum(axis=1)
        differences = _f1_array(micro_a) - _f1_array(micro_b)
        result["delta_ci"] = _interval(differences)
        result["p_value"] = _paired_p_value(differences, result["delta"])
    return result

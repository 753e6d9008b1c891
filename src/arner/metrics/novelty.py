"""Recall on names a model never saw in training, beside recall on the names it did.

A written evaluation set shares many names with a written training corpus; real
news is full of names no training set holds. Splitting the gold spans by whether
their surface is a training span of the same label shows how much of a score is
the recall of known names, and how well the model reads a name from its context.

A surface is compared after light normalisation (:func:`arner.encoders.sources.normalizer_for`)
with its spaces collapsed, so ``دير  الزور`` and ``ديـر الزور`` are one name.
Only exact matches count as found, as in ``span_exact``.

>>> from arner.spans import Document, Span
>>> known = known_surfaces([Document("t", "قصف على حلب", (Span(8, 11, "PLACE"),))])
>>> gold = [Document("e", "قصف على حلب وإدلب", (Span(8, 11, "PLACE"), Span(13, 17, "PLACE")))]
>>> pred = [gold[0].with_spans([Span(8, 11, "PLACE")])]
>>> scores = novelty_recall(gold, pred, known, labels=["PLACE"], bootstrap=0)
>>> scores["seen"]["recall"], scores["unseen"]["recall"], scores["unseen"]["support"]
(1.0, 0.0, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from arner.metrics.bootstrap import CI_LEVEL, _interval, bootstrap_sums
from arner.spans import Document

GROUPS = ("seen", "unseen")


def surface_key(surface: str) -> str:
    """A span's text as names are compared: light-normalised, spaces collapsed."""
    from arner.encoders.sources import normalizer_for

    return " ".join(normalizer_for("light")(surface).text.split())


def known_surfaces(docs: Iterable[Document]) -> frozenset[tuple[str, str]]:
    """``(surface key, label)`` of every span in ``docs`` (the training documents)."""
    return frozenset((surface_key(d.span_text(s)), s.label) for d in docs for s in d.spans)


def novelty_recall(
    gold_docs: Sequence[Document], pred_docs: Sequence[Document], known: frozenset[tuple[str, str]],
    *, labels: Sequence[str], bootstrap: int = 1000, seed: int = 0,
) -> dict[str, Any]:
    """Exact-span recall of gold spans seen and unseen in training, overall and per label.

    ``pred_docs`` pairs with ``gold_docs`` by id (a missing prediction finds
    nothing). Intervals resample documents, as every interval in the harness does.
    """
    predicted = {d.id: {(s.start, s.end, s.label) for s in d.spans} for d in pred_docs}
    # counts[document, label, group] = (found, support)
    counts = np.zeros((len(gold_docs), len(labels), len(GROUPS), 2))
    index = {label: i for i, label in enumerate(labels)}
    for n, doc in enumerate(gold_docs):
        found = predicted.get(doc.id, set())
        for span in doc.spans:
            if span.label not in index:
                continue
            group = int((surface_key(doc.span_text(span)), span.label) not in known)
            counts[n, index[span.label], group] += ((span.start, span.end, span.label) in found, 1)
    result: dict[str, Any] = {"known_names": len(known), "level": CI_LEVEL}
    sums = bootstrap_sums(counts, bootstrap, seed) if bootstrap > 0 and len(gold_docs) else None
    for g, group in enumerate(GROUPS):
        result[group] = _recall(counts[:, :, g].sum(axis=(0, 1)), None if sums is None else sums[:, :, g].sum(axis=1))
    result["per_label"] = {
        label: {group: _recall(counts[:, i, g].sum(axis=0), None if sums is None else sums[:, i, g])
                for g, group in enumerate(GROUPS)}
        for label, i in index.items()
    }
    return result


def _recall(total: np.ndarray, resampled: np.ndarray | None) -> dict[str, Any]:
    found, support = float(total[0]), int(total[1])
    block: dict[str, Any] = {"support": support, "found": int(found), "recall": found / support if support else 0.0}
    if resampled is not None and support:
        block["recall_ci"] = _interval(resampled[:, 0] / np.maximum(resampled[:, 1], 1))
    return block

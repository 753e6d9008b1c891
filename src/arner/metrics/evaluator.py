"""One pass over paired documents: :func:`evaluate_documents` tallies every view
and summarises it into the JSON-ready metrics (see :mod:`arner.metrics`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arner.formats.iob2 import AlignmentReport, spans_to_tags
from arner.metrics.bootstrap import CI_LEVEL, _add_intervals
from arner.metrics.loaders import Source, _as_source, _check_labels, _restrict, pair_documents
from arner.metrics.matching import KINDS, Match, match_spans, type_categories
from arner.metrics.scores import (
    CASUALTY,
    CATEGORIES,
    _block,
    _categories,
    _scheme_counts,
    _span_dict,
    casualty_counts,
    harness_words,
    label_table,
    semeval_scores,
    seqeval_scores,
    taggable_spans,
)
from arner.spans import LABELS, OUTSIDE, Document, Span

CONTEXT_CHARS = 40


def error_record(doc: Document, match: Match, context: int = CONTEXT_CHARS) -> dict[str, Any]:
    """One line of errors.jsonl: the pair and ``context`` characters each side of it."""
    spans = [s for s in (match.gold, match.pred) if s is not None]
    low, high = min(s.start for s in spans), max(s.end for s in spans)
    return {
        "doc_id": doc.id,
        "kind": match.kind,
        "gold": _span_dict(doc.text, match.gold),
        "pred": _span_dict(doc.text, match.pred),
        "left": doc.text[max(0, low - context) : low],
        "middle": doc.text[low:high],
        "right": doc.text[high : high + context],
    }


@dataclass
class _Tally:
    """Everything :func:`evaluate_documents` collects, document by document."""

    labels: tuple[str, ...]
    ids: list[str] = field(default_factory=list)
    kinds: list[np.ndarray] = field(default_factory=list)  # (kinds, labels) per document
    label_kinds: list[np.ndarray] = field(default_factory=list)  # the same, label by label
    type: list[np.ndarray] = field(default_factory=list)  # (5,) type-scheme categories
    exact: list[np.ndarray] = field(default_factory=list)  # (labels, 3) tp/fp/fn per document
    casualty: list[tuple[int, int, int]] = field(default_factory=list)
    unparsed: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    untaggable: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, list[list[str]]] = field(default_factory=lambda: {"gold": [], "pred": []})
    alignment: dict[str, AlignmentReport] = field(
        default_factory=lambda: {"gold": AlignmentReport(), "pred": AlignmentReport()}
    )
    confusion: np.ndarray | None = None

    def add(self, gold: Document, pred: Document) -> None:
        index = {label: i for i, label in enumerate(self.labels)}
        if self.confusion is None:
            self.confusion = np.zeros((len(index) + 1, len(index) + 1), dtype=int)
        kinds = np.zeros((len(KINDS), len(index)))
        for match in match_spans(gold.spans, pred.spans):
            kinds[KINDS.index(match.kind), index[match.label]] += 1
            self.confusion[_row(match.gold, index), _row(match.pred, index)] += 1
            if match.kind != "correct":
                self.errors.append(error_record(gold, match))
        self.ids.append(gold.id)
        self.kinds.append(kinds)
        self.label_kinds.append(_label_kinds(gold.spans, pred.spans, index))
        self.type.append(type_categories(gold.spans, pred.spans))
        self.exact.append(_exact_counts(kinds[KINDS.index("correct")], gold, pred, index))
        if CASUALTY in index:
            counts, unparsed = casualty_counts(gold, pred)
            self.casualty.append(counts)
            self.unparsed.extend(unparsed)
        self._add_tags(gold, pred)

    def _add_tags(self, gold: Document, pred: Document) -> None:
        tokens = harness_words(gold.text)
        for side, doc in (("gold", gold), ("pred", pred)):
            kept, dropped = taggable_spans(doc, tokens)
            self.untaggable.extend(
                {"doc_id": doc.id, "side": side, **_span_dict(doc.text, s)} for s in dropped
            )
            tags = spans_to_tags(doc.text, kept, tokens, self.alignment[side], doc.id)
            self.tags[side].append(tags)


def _label_kinds(
    gold: Sequence[Span], pred: Sequence[Span], index: Mapping[str, int]
) -> np.ndarray:
    """(kinds, labels) pair kinds of each label matched on its own (nervaluate >= 1.0):
    a prediction of one label on gold of another is spurious there and missed here."""
    kinds = np.zeros((len(KINDS), len(index)))
    for label, column in index.items():
        own = [[s for s in spans if s.label == label] for spans in (gold, pred)]
        for match in match_spans(*own):
            kinds[KINDS.index(match.kind), column] += 1
    return kinds


def _row(span: Span | None, index: Mapping[str, int]) -> int:
    """Confusion-matrix row/column of a span's label; the last one is O (no span)."""
    return index[span.label] if span is not None else len(index)


def _exact_counts(
    correct: np.ndarray, gold: Document, pred: Document, index: Mapping[str, int]
) -> np.ndarray:
    counts = np.zeros((len(index), 3))
    counts[:, 0] = correct
    for span in pred.spans:
        counts[index[span.label], 1] += 1
    for span in gold.spans:
        counts[index[span.label], 2] += 1
    counts[:, 1:] -= correct[:, None]  # predicted - tp = fp, gold - tp = fn
    return counts


def _progress(items: Sequence[Any], enabled: bool) -> Iterable[Any]:
    if not enabled or len(items) < 100:  # a bar for a handful of documents is noise
        return items
    from tqdm import tqdm

    return tqdm(items, desc="scoring", unit="doc", leave=False)


def gold_fingerprint(docs: Iterable[Document]) -> str:
    """sha256 of the gold ids, texts and spans, to check that two runs share their gold."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.id):
        spans = [(s.start, s.end, s.label) for s in doc.spans]
        digest.update(json.dumps([doc.id, doc.text, spans], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def evaluate_documents(
    gold_docs: Sequence[Document],
    pred_docs: Sequence[Document],
    *,
    labels: Sequence[str] = LABELS,
    bootstrap: int = 1000,
    seed: int = 0,
    gold_source: Source | str = "gold",
    pred_source: Source | str = "predictions",
    progress: bool = False,
) -> dict[str, Any]:
    """Score predictions against gold; spans of other labels are left out on both sides.

    Returns the JSON-ready metrics (see the module docstring); the keys ``errors``
    and ``per_document`` are bulky, and :func:`arner.report.write_report` writes
    them to their own files. Raises :class:`EvaluationError` naming the source
    (file:line) and document for a missing document, a different text or bad spans.
    """
    labels = _check_labels(labels, gold_docs)
    gold_source, pred_source = _as_source(gold_source), _as_source(pred_source)
    pairs = [
        (_restrict(g, labels, gold_source), _restrict(p, labels, pred_source))
        for g, p in pair_documents(gold_docs, pred_docs, gold_source, pred_source)
    ]
    tally = _Tally(labels)
    for gold, pred in _progress(pairs, progress):
        tally.add(gold, pred)
    metrics = _summarise(tally, [g for g, _ in pairs], [p for _, p in pairs])
    _add_intervals(metrics, _interval_blocks(tally, metrics), bootstrap, seed)
    metrics["bootstrap"] = {"samples": bootstrap, "seed": seed, "level": CI_LEVEL}
    return metrics


def _kinds_array(tally: _Tally, per_label: bool = False) -> np.ndarray:
    """(documents, kinds, labels): of the one matching over all labels, or per label."""
    kinds = tally.label_kinds if per_label else tally.kinds
    return np.array(kinds).reshape(len(tally.ids), len(KINDS), len(tally.labels))


def _summarise(
    tally: _Tally, golds: Sequence[Document], preds: Sequence[Document]
) -> dict[str, Any]:
    labels = list(tally.labels)
    kinds, label_kinds = _kinds_array(tally).sum(axis=0), _kinds_array(tally, True).sum(axis=0)
    exact = np.array(tally.exact).reshape(len(tally.ids), len(labels), 3)
    partial = _scheme_counts(_categories(label_kinds, "partial"))
    type_counts = np.array(tally.type).reshape(-1, len(CATEGORIES)).sum(axis=0)
    metrics: dict[str, Any] = {
        "labels": labels,
        "documents": len(tally.ids),
        "spans": {"gold": _label_counts(golds, labels), "pred": _label_counts(preds, labels)},
        "span_exact": label_table(exact.sum(axis=0), labels),
        "span_partial": label_table(partial, labels),
        "semeval": semeval_scores(kinds, label_kinds, type_counts, labels),
        "casualty_value": _casualty_block(tally),
        "confusion": {"labels": labels + [OUTSIDE], "matrix": _confusion(tally).tolist()},
        "gold_fingerprint": gold_fingerprint(golds),
        "errors": tally.errors,
        "per_document": {
            "ids": tally.ids,
            "labels": labels,
            "span_exact": exact.astype(int).tolist(),
        },
    }
    metrics["per_document"]["gold_fingerprint"] = metrics["gold_fingerprint"]
    for name, strict in (("seqeval_strict", True), ("seqeval_lenient", False)):
        metrics[name] = seqeval_scores(
            tally.tags["gold"], tally.tags["pred"], labels, strict=strict
        )
        metrics[name]["alignment"] = _alignment(tally)
    return metrics


def _label_counts(docs: Sequence[Document], labels: Sequence[str]) -> dict[str, int]:
    return {label: sum(s.label == label for d in docs for s in d.spans) for label in labels}


def _confusion(tally: _Tally) -> np.ndarray:
    size = len(tally.labels) + 1
    return tally.confusion if tally.confusion is not None else np.zeros((size, size), dtype=int)


def _casualty_block(tally: _Tally) -> dict[str, Any] | None:
    if CASUALTY not in tally.labels:
        return None
    block = _block(*np.array(tally.casualty, dtype=float).reshape(-1, 3).sum(axis=0))
    block["f1_ci"] = None
    block["unparsed"] = tally.unparsed
    return block


def _alignment(tally: _Tally) -> dict[str, Any]:
    """Spans widened to whole tokens, and spans no word-level tag can express."""
    result = {}
    for side, report in tally.alignment.items():
        untaggable = [u for u in tally.untaggable if u["side"] == side]
        result[side] = {
            "spans": report.spans,
            "exact": report.exact,
            "widened": report.widened,
            "untaggable": len(untaggable),
            "examples": report.examples[:5],
            "untaggable_examples": untaggable[:5],
        }
    return result


def _interval_blocks(tally: _Tally, metrics: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-document (documents, labels, 3) tp/fp/fn arrays of the blocks that get intervals."""
    n, labels = len(tally.ids), len(tally.labels)
    blocks = {
        "span_exact": np.array(tally.exact, dtype=float).reshape(n, labels, 3),
        "span_partial": _scheme_counts(_categories(_kinds_array(tally, True), "partial")),
    }
    if metrics["casualty_value"] is not None:
        blocks["casualty_value"] = np.array(tally.casualty, dtype=float).reshape(n, 1, 3)
    return blocks

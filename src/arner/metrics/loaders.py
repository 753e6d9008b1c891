"""Reading the two sides of an evaluation and pairing them: documents by id, texts
identical, spans of the scored labels only; errors name file, line and document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arner.spans import LABELS, Document, read_jsonl, validate_document


class EvaluationError(ValueError):
    """Gold and predictions do not fit together; the message names file, line and id."""


@dataclass(frozen=True)
class Source:
    """Where a list of documents came from, to name it in errors.

    >>> Source("pred.jsonl", {"d1": 3}).where("d1"), Source("pred.jsonl").where("d1")
    ('pred.jsonl:3', 'pred.jsonl')
    """

    name: str
    lines: Mapping[str, int] = field(default_factory=dict)

    def where(self, doc_id: str) -> str:
        line = self.lines.get(doc_id)
        return f"{self.name}:{line}" if line is not None else self.name


def read_documents(
    path: str | Path, labels: Sequence[str] | None = LABELS
) -> tuple[list[Document], Source]:
    """Documents of a JSONL file (validated by :func:`arner.spans.read_jsonl`) and their lines."""
    docs = read_jsonl(path, labels)
    with Path(path).open(encoding="utf-8-sig") as handle:
        # iter_jsonl skips exactly the blank lines, so the n-th document is the n-th other line
        numbers = [n for n, line in enumerate(handle, start=1) if line.strip()]
    return docs, Source(str(path), {doc.id: n for doc, n in zip(docs, numbers, strict=True)})


def _as_source(source: Source | str) -> Source:
    return source if isinstance(source, Source) else Source(source)


def first_difference(a: str, b: str) -> int | None:
    """Index of the first character where ``a`` and ``b`` differ, ``None`` if equal.

    >>> first_difference("قتل 26", "قتل 25"), first_difference("abc", "ab")
    (5, 2)
    >>> first_difference("قتل", "قتل") is None
    True
    """
    if a == b:
        return None
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def pair_documents(
    gold: Sequence[Document],
    pred: Sequence[Document],
    gold_source: Source | str = "gold",
    pred_source: Source | str = "predictions",
) -> list[tuple[Document, Document]]:
    """(gold, prediction) pairs in gold order; every id on both sides, texts identical.

    >>> pair_documents([Document("d1", "نص")], [], "g.jsonl", "p.jsonl")
    Traceback (most recent call last):
    ...
    arner.metrics.loaders.EvaluationError: g.jsonl: document 'd1' is missing from p.jsonl
    """
    gold_source, pred_source = _as_source(gold_source), _as_source(pred_source)
    by_id = {doc.id: doc for doc in pred}
    gold_ids = {doc.id for doc in gold}
    for doc in pred:
        if doc.id not in gold_ids:
            raise EvaluationError(
                f"{pred_source.where(doc.id)}: document {doc.id!r} is not in {gold_source.name}"
            )
    pairs = []
    for doc in gold:
        if doc.id not in by_id:
            raise EvaluationError(
                f"{gold_source.where(doc.id)}: document {doc.id!r} "
                f"is missing from {pred_source.name}"
            )
        _check_same_text(doc, by_id[doc.id], gold_source, pred_source)
        pairs.append((doc, by_id[doc.id]))
    return pairs


def _check_same_text(
    gold: Document, pred: Document, gold_source: Source, pred_source: Source
) -> None:
    offset = first_difference(gold.text, pred.text)
    if offset is None:
        return
    gold_part, pred_part = gold.text[offset : offset + 20], pred.text[offset : offset + 20]
    raise EvaluationError(
        f"{pred_source.where(pred.id)}: document {pred.id!r}: text differs from "
        f"{gold_source.where(gold.id)} at offset {offset}: gold {gold_part!r}, "
        f"prediction {pred_part!r} (lengths {len(gold.text)} and {len(pred.text)})"
    )


def _restrict(doc: Document, labels: Sequence[str], source: Source) -> Document:
    """``doc`` with only the spans of ``labels``, checked: sorted, in range, no overlaps."""
    kept = doc.with_spans(s for s in doc.spans if s.label in labels)
    problems = validate_document(kept, labels)
    if problems:
        raise EvaluationError(
            f"{source.where(doc.id)}: document {doc.id!r}: " + "; ".join(problems)
        )
    return kept


def _check_labels(labels: Sequence[str], gold_docs: Sequence[Document] = ()) -> tuple[str, ...]:
    """Labels to score: ours, or any label the gold uses (a corpus's own types)."""
    if isinstance(labels, str) or not labels:
        raise EvaluationError(f"labels must be a non-empty list of labels, got {labels!r}")
    known = dict.fromkeys([*LABELS, *(s.label for d in gold_docs for s in d.spans)])
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise EvaluationError(
            f"unknown label(s) {', '.join(map(repr, unknown))}; expected {', '.join(known)}"
        )
    return tuple(dict.fromkeys(labels))

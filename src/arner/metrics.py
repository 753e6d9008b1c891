"""Scoring predicted spans against gold spans: one entry point, many views.

:func:`evaluate_documents` pairs gold and predicted documents by id and returns
one JSON-ready dict (see :mod:`arner.report` for metrics.json and report.md):

- ``span_exact``: spans on character offsets, correct only when start, end and
  label all match;
- ``semeval``: the SemEval-2013 task 9.1 view, counted as nervaluate >= 1.0 counts
  it: every gold/predicted pair is COR, INC, PAR, MIS or SPU under four schemes
  (``strict``, ``exact`` boundaries, ``partial`` boundaries, ``type`` only);
  ``per_label`` filters both sides by the label first (nervaluate's 1.x rule);
- ``span_partial``: the ``partial`` scheme (an overlap earns half) per label,
  label by label as in ``semeval``'s ``per_label``, in the layout of ``span_exact``;
- ``seqeval_strict`` / ``seqeval_lenient``: seqeval on word-level IOB2 tags over
  the text layer's tokens (:func:`harness_words`: proclitics split);
- ``casualty_value``: a predicted CASUALTY is right when it overlaps a gold one
  and :func:`arner.numbers.parse_number` reads the same count from both;
- 95% bootstrap intervals (``f1_ci``), a type confusion matrix and an error list.

Matching is a maximum one-to-one assignment per document (:func:`match_spans`):
the most overlapping pairs, then the most overlap; identical offsets always pair.
The ``type`` scheme has its own assignment, the most same-label overlaps first
(:func:`type_categories`), since a prediction is type-correct when it overlaps gold
of its own type. POS (gold) and ACT (predictions) always add up. nervaluate 1.2.1
pairs each prediction greedily in text order; that is maximal for the boundary
schemes, but its ``type`` can miss a same-label pair that ours finds.
Precision, recall and F1 are 0 where undefined; ``macro`` averages the labels
that occur in the gold or the predictions (seqeval's rule).

>>> text = "قتل 4 من داعش في دير الزور"
>>> casualty, militia, place = Span(4, 5, "CASUALTY"), Span(9, 13, "MILITIA"), Span(17, 26, "PLACE")
>>> gold = [Document("d1", text, (casualty, militia, place))]
>>> pred = [Document("d1", text, (casualty, Span(9, 13, "PLACE")))]
>>> scores = evaluate_documents(gold, pred, bootstrap=0)
>>> scores["span_exact"]["micro"]["f1"], scores["semeval"]["overall"]["exact"]["COR"]
(0.4, 2)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arner.formats.iob2 import AlignmentReport, invalid_inside, spans_to_tags
from arner.numbers import parse_number
from arner.spans import LABELS, Document, Span, read_jsonl, validate_document
from arner.text import Token, tokenize

__all__ = [
    "CI_LEVEL",
    "CORPUS_FILES",
    "CORPUS_LABEL_MAPS",
    "EvaluationError",
    "KINDS",
    "Match",
    "PER_DOCUMENT_FILE",
    "SCHEMES",
    "Source",
    "bootstrap_sums",
    "casualty_counts",
    "compare_runs",
    "corpus_path",
    "error_record",
    "evaluate_documents",
    "first_difference",
    "gold_fingerprint",
    "harness_words",
    "label_table",
    "load_corpus",
    "load_label_map",
    "load_per_document",
    "mapped_labels",
    "match_spans",
    "pair_documents",
    "prf",
    "read_documents",
    "semeval_scores",
    "seqeval_scores",
    "taggable_spans",
    "type_categories",
]

#: Corpus label -> arner label; ``None`` drops the label (its spans become O).
CORPUS_LABEL_MAPS: dict[str, dict[str, str | None]] = {
    "anercorp": {"LOC": "PLACE", "PERS": None, "ORG": None, "MISC": None},
    "aqmar": {"LOC": "PLACE", "PER": None, "ORG": None, "MIS": None},
}
#: Candidate file names per corpus and split, first existing wins: the official
#: CAMeL Lab ANERcorp files before the rebuilt ones in ../shared/corpora.
CORPUS_FILES: dict[str, dict[str, tuple[str, ...]]] = {
    "anercorp": {
        split: (f"ANERCorp_CamelLab_{split}.txt", f"ANERCorp_CamelLab_{split}_RECONSTRUCTED.txt")
        for split in ("train", "test")
    },
    "aqmar": {split: (f"{split}.txt",) for split in ("train", "dev", "test")},
}
CASUALTY = "CASUALTY"
OUTSIDE = "O"
#: Kinds of gold/prediction pairs, in the order of the per-document count arrays.
KINDS = ("correct", "type", "boundary", "boundary_and_type", "missed", "spurious")
SCHEMES = ("strict", "exact", "partial", "type")
CATEGORIES = ("COR", "INC", "PAR", "MIS", "SPU")
# The SemEval category of each pair kind under each scheme (Segura-Bedmar et al.
# 2013, table as in nervaluate): exact offsets with a wrong type still count for
# the boundary schemes, an overlap with the right type counts for ``type`` (used
# label by label; the overall ``type`` counts come from type_categories).
_CATEGORY = {
    "correct": dict(strict="COR", exact="COR", partial="COR", type="COR"),
    "type": dict(strict="INC", exact="COR", partial="COR", type="INC"),
    "boundary": dict(strict="INC", exact="INC", partial="PAR", type="COR"),
    "boundary_and_type": dict(strict="INC", exact="INC", partial="PAR", type="INC"),
    "missed": dict(strict="MIS", exact="MIS", partial="MIS", type="MIS"),
    "spurious": dict(strict="SPU", exact="SPU", partial="SPU", type="SPU"),
}
CONTEXT_CHARS = 40
CI_LEVEL = 0.95


class EvaluationError(ValueError):
    """Gold and predictions do not fit together; the message names file, line and id."""


# ---------------------------------------------------------------- inputs


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
    arner.metrics.EvaluationError: g.jsonl: document 'd1' is missing from p.jsonl
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


# ---------------------------------------------------------------- corpora


def corpus_path(corpus: str, corpus_dir: str | Path, split: str = "test") -> Path:
    """The CoNLL file of ``corpus``'s ``split`` inside ``corpus_dir``."""
    if corpus not in CORPUS_FILES:
        raise EvaluationError(
            f"unknown corpus {corpus!r}; expected one of {', '.join(CORPUS_FILES)}"
        )
    names = CORPUS_FILES[corpus].get(split)
    if names is None:
        raise EvaluationError(
            f"corpus {corpus!r} has no split {split!r}; "
            f"expected one of {', '.join(CORPUS_FILES[corpus])}"
        )
    for name in names:
        if (Path(corpus_dir) / name).is_file():
            return Path(corpus_dir) / name
    raise EvaluationError(f"{corpus_dir}: no {corpus} {split} file (looked for {', '.join(names)})")


def load_label_map(path: str | Path) -> dict[str, str | None]:
    """A YAML mapping corpus label -> arner label or null (dropped), checked.

    Raises :class:`EvaluationError` naming the file and the bad entry.
    """
    import yaml  # only the --label-map path needs it

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise EvaluationError(f"{path}: unreadable YAML: {err}") from None
    if not isinstance(raw, dict) or not raw:
        raise EvaluationError(
            f"{path}: expected a mapping of corpus label -> label or null, got {raw!r}"
        )
    for key, value in raw.items():
        if not isinstance(key, str) or (value is not None and value not in LABELS):
            raise EvaluationError(
                f"{path}: entry {key!r}: {value!r} is not one of {', '.join(LABELS)} or null"
            )
    return dict(raw)


def load_corpus(
    corpus: str,
    corpus_dir: str | Path,
    split: str = "test",
    label_map: Mapping[str, str | None] | None = None,
) -> tuple[list[Document], Source]:
    """Gold documents of a public corpus with arner labels (see :data:`CORPUS_LABEL_MAPS`)."""
    from arner.formats.conll import map_labels, read_conll  # a corpus run only

    path = corpus_path(corpus, corpus_dir, split)
    mapping = dict(label_map if label_map is not None else CORPUS_LABEL_MAPS[corpus])
    docs = map_labels(read_conll(path, doc_prefix=f"{corpus}-{split}"), mapping)
    return docs, Source(str(path))


def mapped_labels(label_map: Mapping[str, str | None]) -> tuple[str, ...]:
    """The arner labels a map produces, in :data:`LABELS` order.

    >>> mapped_labels(CORPUS_LABEL_MAPS["anercorp"])
    ('PLACE',)
    """
    return tuple(label for label in LABELS if label in label_map.values())


# ---------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    """A gold span and the prediction matched to it; either side may be missing."""

    gold: Span | None
    pred: Span | None

    @property
    def kind(self) -> str:
        """One of :data:`KINDS`."""
        if self.pred is None:
            return "missed"
        if self.gold is None:
            return "spurious"
        same_label = self.gold.label == self.pred.label
        if (self.gold.start, self.gold.end) == (self.pred.start, self.pred.end):
            return "correct" if same_label else "type"
        return "boundary" if same_label else "boundary_and_type"

    @property
    def label(self) -> str:
        """The label the overall pair kinds file this pair under: gold's, else the
        prediction's (per-label SemEval counts match each label on its own)."""
        return self.gold.label if self.gold is not None else self.pred.label  # type: ignore[union-attr]

    @property
    def start(self) -> int:
        return min(s.start for s in (self.gold, self.pred) if s is not None)


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _overlapping_pairs(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Index pairs of overlapping spans; each side sorted and free of overlaps."""
    pairs, first = [], 0
    for g, span in enumerate(gold):
        while first < len(pred) and pred[first].end <= span.start:
            first += 1
        p = first
        while p < len(pred) and pred[p].start < span.end:
            pairs.append((g, p))
            p += 1
    return pairs


def _best_pairs(
    gold: Sequence[Span], pred: Sequence[Span], weight: Callable[[Span, Span], tuple[int, ...]]
) -> list[tuple[int, int]]:
    """Index pairs of the one-to-one pairing of overlapping spans with the largest
    total ``weight`` (tuples of equal length, compared entry by entry); each side
    sorted and free of overlaps.

    Then two pairs never cross (an earlier gold never pairs with a later prediction
    than a later gold does), so a pairing is a chain in text order, and the best
    chain ending at a pair extends the best one among the pairs before the first
    that shares its gold or its prediction: one pass, exact.

    >>> gold = [Span(0, 2, "PLACE"), Span(3, 9, "PLACE")]
    >>> _best_pairs(gold, [Span(0, 6, "PLACE"), Span(7, 9, "PLACE")], lambda g, p: (1,))
    [(0, 0), (1, 1)]
    """
    pairs = _overlapping_pairs(gold, pred)
    first_with_gold: dict[int, int] = {}
    first_with_pred: dict[int, int] = {}
    chains: list[tuple[tuple[int, ...], int]] = []  # (total weight, previous pair or -1)
    leaders: list[int] = []  # leaders[i]: the heaviest chain ending at or before pair i
    for i, (g, p) in enumerate(pairs):
        own = weight(gold[g], pred[p])
        shared = min(first_with_gold.setdefault(g, i), first_with_pred.setdefault(p, i))
        previous = leaders[shared - 1] if shared else -1
        base = chains[previous][0] if previous >= 0 else (0,) * len(own)
        chains.append((tuple(a + b for a, b in zip(base, own, strict=True)), previous))
        better = not leaders or chains[i][0] > chains[leaders[-1]][0]
        leaders.append(i if better else leaders[-1])
    chosen, i = [], leaders[-1] if leaders else -1
    while i >= 0:
        chosen.append(pairs[i])
        i = chains[i][1]
    return chosen[::-1]


def _boundary_weight(gold: Span, pred: Span) -> tuple[int, int, int]:
    """Most pairs, then the most overlapping characters, then the most same-label pairs."""
    return 1, _overlap(gold, pred), int(gold.label == pred.label)


def _type_weight(gold: Span, pred: Span) -> tuple[int, int, int]:
    """Most same-label pairs (type COR), then the most pairs, then the most overlap."""
    return int(gold.label == pred.label), 1, _overlap(gold, pred)


def match_spans(gold: Sequence[Span], pred: Sequence[Span]) -> list[Match]:
    """Maximum one-to-one matching of overlapping spans, in text order: the most
    pairs, ties broken by the larger overlap, then by same labels (identical
    offsets always pair up, as nothing else overlaps them); the rest are missed
    or spurious. Each side must be free of overlaps.

    >>> gold = [Span(0, 4, "PLACE"), Span(9, 13, "MILITIA")]
    >>> pred = [Span(0, 6, "PLACE"), Span(9, 13, "PLACE"), Span(20, 22, "CASUALTY")]
    >>> [m.kind for m in match_spans(gold, pred)]
    ['boundary', 'type', 'spurious']
    """
    gold, pred = sorted(gold, key=_position), sorted(pred, key=_position)
    return _matches(gold, pred, _best_pairs(gold, pred, _boundary_weight))


def _matches(
    gold: Sequence[Span], pred: Sequence[Span], pairs: Sequence[tuple[int, int]]
) -> list[Match]:
    """The pairs as matches, plus the unpaired spans, in text order."""
    used_gold, used_pred = {g for g, _ in pairs}, {p for _, p in pairs}
    matches = [Match(gold[g], pred[p]) for g, p in pairs]
    matches += [Match(s, None) for i, s in enumerate(gold) if i not in used_gold]
    matches += [Match(None, s) for i, s in enumerate(pred) if i not in used_pred]
    return sorted(matches, key=lambda m: (m.start, m.gold is None))


def type_categories(gold: Sequence[Span], pred: Sequence[Span]) -> np.ndarray:
    """COR, INC, PAR, MIS, SPU of the SemEval ``type`` scheme in one document.

    A prediction is COR when it overlaps a gold span of its own label, paired one
    to one so that as many as possible are; otherwise INC when paired with an
    overlapping gold span of another label, else SPU. PAR is always 0.

    >>> type_categories([Span(0, 4, "PLACE"), Span(5, 7, "CASUALTY")], [Span(0, 7, "CASUALTY")])
    array([1., 0., 0., 1., 0.])
    """
    gold, pred = sorted(gold, key=_position), sorted(pred, key=_position)
    pairs = _best_pairs(gold, pred, _type_weight)
    same = sum(gold[g].label == pred[p].label for g, p in pairs)
    return np.array(
        [same, len(pairs) - same, 0, len(gold) - len(pairs), len(pred) - len(pairs)], dtype=float
    )


def _position(span: Span) -> tuple[int, int]:
    return span.start, span.end


# ---------------------------------------------------------------- P/R/F1


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall and F1; 0.0 where a denominator is 0.

    >>> prf(8, 3, 3)
    (0.7272727272727273, 0.7272727272727273, 0.7272727272727273)
    """
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(precision), float(recall), float(f1)


def _block(tp: float, fp: float, fn: float) -> dict[str, Any]:
    precision, recall, f1 = prf(tp, fp, fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": _number(tp + fn),
        "tp": _number(tp),
        "fp": _number(fp),
        "fn": _number(fn),
    }


def _number(value: float) -> int | float:
    """Whole counts as int in JSON (half counts of the partial scheme stay floats)."""
    return int(value) if float(value).is_integer() else float(value)


def label_table(counts: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """``micro``/``macro``/``per_label`` blocks from a (labels, 3) tp/fp/fn array.

    >>> t = label_table(np.array([[1, 0, 1], [0, 0, 0]]), ["PLACE", "MILITIA"])
    >>> t["micro"]["f1"], t["macro"]["f1"], t["per_label"]["MILITIA"]["support"]
    (0.6666666666666666, 0.6666666666666666, 0)
    """
    counts = np.asarray(counts, dtype=float).reshape(len(labels), 3)
    per_label = {label: _block(*row) for label, row in zip(labels, counts, strict=True)}
    present = [per_label[label] for label, row in zip(labels, counts, strict=True) if row.sum() > 0]
    macro = {
        key: float(np.mean([b[key] for b in present])) if present else 0.0
        for key in ("precision", "recall", "f1")
    }
    macro["support"] = _number(counts[:, 0].sum() + counts[:, 2].sum())
    return {"micro": _block(*counts.sum(axis=0)), "macro": macro, "per_label": per_label}


def _f1_array(counts: np.ndarray) -> np.ndarray:
    """Vectorised F1 over a last axis of (tp, fp, fn); 0 where undefined."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return np.divide(
        2 * tp, denominator, out=np.zeros(tp.shape, dtype=float), where=denominator > 0
    )


# ---------------------------------------------------------------- SemEval


def _category_matrix(scheme: str) -> np.ndarray:
    """(categories, kinds) 0/1 matrix: which pair kinds make up each category."""
    return np.array(
        [[float(_CATEGORY[kind][scheme] == cat) for kind in KINDS] for cat in CATEGORIES]
    )


def _categories(kinds: np.ndarray, scheme: str) -> np.ndarray:
    """COR..SPU counts, shape (..., 5, labels), from pair-kind counts (..., kinds, labels)."""
    return np.einsum("ck,...kl->...cl", _category_matrix(scheme), kinds)


def _scheme_counts(categories: np.ndarray) -> np.ndarray:
    """(..., 5, labels) COR..SPU -> (..., labels, 3) tp/fp/fn, a partial match earning half."""
    cor, inc, par, mis, spu = (categories[..., i, :] for i in range(5))
    tp = cor + 0.5 * par
    actual, possible = cor + inc + par + spu, cor + inc + par + mis
    return np.stack([tp, actual - tp, possible - tp], axis=-1)


def _semeval_block(categories: np.ndarray) -> dict[str, Any]:
    """One scheme's counts (5,) with POS, ACT and precision/recall/F1."""
    block: dict[str, Any] = {cat: _number(v) for cat, v in zip(CATEGORIES, categories, strict=True)}
    cor, inc, par, mis, spu = categories
    block["POS"], block["ACT"] = _number(cor + inc + par + mis), _number(cor + inc + par + spu)
    tp = cor + 0.5 * par
    precision, recall, f1 = prf(tp, block["ACT"] - tp, block["POS"] - tp)
    block.update(precision=precision, recall=recall, f1=f1)
    return block


def semeval_scores(
    kinds: np.ndarray, label_kinds: np.ndarray, type_counts: np.ndarray, labels: Sequence[str]
) -> dict[str, Any]:
    """``overall`` and ``per_label`` SemEval blocks, as nervaluate >= 1.0 counts them.

    ``overall``: strict, exact and partial from the pair kinds (kinds, labels) of
    one matching over all labels, ``type`` from its own matching (``type_counts``,
    see :func:`type_categories`). ``per_label``: every scheme from the pair kinds
    of each label matched on its own (``label_kinds``).
    """
    result: dict[str, Any] = {"overall": {}, "per_label": {label: {} for label in labels}}
    for scheme in SCHEMES:
        overall = _categories(kinds, scheme).sum(axis=1)
        result["overall"][scheme] = _semeval_block(type_counts if scheme == "type" else overall)
        per_label = _categories(label_kinds, scheme)
        for i, label in enumerate(labels):
            result["per_label"][label][scheme] = _semeval_block(per_label[:, i])
    return result


# ---------------------------------------------------------------- casualty values


def _casualty_values(
    doc: Document, spans: Sequence[Span], side: str
) -> tuple[list[tuple[Span, int]], list[dict]]:
    """Parsed CASUALTY spans and, listed apart, the ones parse_number cannot read."""
    parsed, unparsed = [], []
    for span in spans:
        if span.label != CASUALTY:
            continue
        value = parse_number(doc.span_text(span))
        if value is None:
            unparsed.append({"doc_id": doc.id, "side": side, **_span_dict(doc.text, span)})
        else:
            parsed.append((span, value))
    return parsed, unparsed


def casualty_counts(gold: Document, pred: Document) -> tuple[tuple[int, int, int], list[dict]]:
    """(tp, fp, fn) of casualty values in one document, and the unparsed spans.

    A prediction is right when it overlaps a gold CASUALTY span whose value is
    the same; pairs are taken one-to-one, largest overlap first.

    >>> text = "قتل ٥٧ شخصاً و12 جندياً"
    >>> gold = Document("d", text, (Span(4, 6, "CASUALTY"), Span(14, 16, "CASUALTY")))
    >>> counts, unparsed = casualty_counts(gold, gold.with_spans([Span(4, 12, "CASUALTY"),
    ...                                                            Span(17, 23, "CASUALTY")]))
    >>> counts, [(u["side"], u["text"]) for u in unparsed]
    ((1, 1, 1), [('pred', 'جندياً')])
    """
    gold_values, unparsed = _casualty_values(gold, gold.spans, "gold")
    pred_values, unparsed_pred = _casualty_values(pred, pred.spans, "pred")
    gold_spans, pred_spans = [s for s, _ in gold_values], [s for s, _ in pred_values]
    candidates = [
        (g, p)
        for g, p in _overlapping_pairs(gold_spans, pred_spans)
        if gold_values[g][1] == pred_values[p][1]
    ]
    candidates.sort(key=lambda gp: -_overlap(gold_spans[gp[0]], pred_spans[gp[1]]))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    for g, p in candidates:
        if g not in used_gold and p not in used_pred:
            used_gold.add(g)
            used_pred.add(p)
    tp = len(used_gold)
    return (
        tp,
        len(pred_values) + len(unparsed_pred) - tp,
        len(gold_values) + len(unparsed) - tp,
    ), unparsed + unparsed_pred


# ---------------------------------------------------------------- token level


def _covered(starts: Sequence[int], ends: Sequence[int], span: Span) -> range:
    """Indices of the tokens a span overlaps (tokens sorted, not overlapping)."""
    from bisect import bisect_left, bisect_right

    return range(bisect_right(ends, span.start), bisect_left(starts, span.end))


def taggable_spans(doc: Document, tokens: Sequence[Token]) -> tuple[list[Span], list[Span]]:
    """Spans word-level tags can express, and the rest: spans covering no token, or
    sharing a token with an earlier span (two spans inside one unsplit word)."""
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    kept, dropped, last_token = [], [], -1
    for span in doc.spans:
        covered = _covered(starts, ends, span)
        if len(covered) == 0 or covered[0] <= last_token:
            dropped.append(span)
            continue
        kept.append(span)
        last_token = covered[-1]
    return kept, dropped


def harness_words(text: str, *, keep_proclitics: bool = False) -> list[Token]:
    """The words the seqeval view tags, and ``arner.data convert`` writes to CoNLL:
    :func:`arner.text.tokenize` with proclitics split off (no lexicon), or kept.

    >>> [t.text for t in harness_words("في سرمدا والدانا")]
    ['في', 'سرمدا', 'و', 'الدانا']
    >>> [t.text for t in harness_words("في سرمدا والدانا", keep_proclitics=True)]
    ['في', 'سرمدا', 'والدانا']
    """
    return tokenize(text, split_clitics=not keep_proclitics)


def _entities(tags: Sequence[str], strict: bool) -> set[tuple[str, int, int]]:
    """seqeval's own chunks: IOB2 strict mode, or its default (conlleval) reading."""
    from seqeval.metrics.sequence_labeling import get_entities  # imports sklearn: slow, so lazily
    from seqeval.scheme import IOB2, Tokens

    if strict:
        return {(e.tag, e.start, e.end) for e in Tokens(list(tags), IOB2).entities}
    return set(get_entities(list(tags)))


def seqeval_scores(
    gold_tags: Sequence[Sequence[str]],
    pred_tags: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    strict: bool,
) -> dict[str, Any]:
    """micro/macro/per_label from seqeval's chunks of each tag sequence, plus the
    number of invalid I- tags (an I-X continuing nothing) on each side."""
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(labels), 3))
    for number, (gold, pred) in enumerate(zip(gold_tags, pred_tags, strict=True)):
        if len(gold) != len(pred):
            raise EvaluationError(
                f"sequence {number}: {len(gold)} gold tags but {len(pred)} predicted"
            )
        gold_chunks, pred_chunks = _entities(gold, strict), _entities(pred, strict)
        for chunks, column in (
            (gold_chunks & pred_chunks, 0),
            (pred_chunks - gold_chunks, 1),
            (gold_chunks - pred_chunks, 2),
        ):
            for label, _, _ in chunks:
                if label in index:
                    counts[index[label], column] += 1
    table = label_table(counts, labels)
    table["invalid_sequences"] = {
        "gold": sum(len(invalid_inside(tags)) for tags in gold_tags),
        "pred": sum(len(invalid_inside(tags)) for tags in pred_tags),
    }
    return table


# ---------------------------------------------------------------- bootstrap


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

    ``this`` and ``other`` are per-document records (see :func:`load_per_document`)
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


def load_per_document(path: str | Path) -> dict[str, Any]:
    """The per-document record an evaluation wrote (``per_document.json``), checked."""
    path = Path(path)
    if path.suffix != ".json":  # an evaluation folder
        path = path / PER_DOCUMENT_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationError(
            f"{path}: not found; run evaluate.py with --out there first"
        ) from None
    except json.JSONDecodeError as err:
        raise EvaluationError(f"{path}: unreadable JSON ({err.msg} at line {err.lineno})") from None
    missing = [k for k in ("ids", "labels", "gold_fingerprint", "span_exact") if k not in record]
    if missing:
        raise EvaluationError(f"{path}: missing field(s) {', '.join(missing)}")
    if len(record["ids"]) != len(record["span_exact"]):
        raise EvaluationError(
            f"{path}: {len(record['ids'])} ids but {len(record['span_exact'])} count rows"
        )
    return record


PER_DOCUMENT_FILE = "per_document.json"


# ---------------------------------------------------------------- one pass over the documents


def _span_dict(text: str, span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": text[span.start : span.end],
    }


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

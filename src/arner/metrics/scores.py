"""Counts to scores: P/R/F1 tables, the SemEval-2013 schemes, casualty values and
the seqeval bridge on the harness's words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arner.formats.iob2 import invalid_inside
from arner.metrics.loaders import EvaluationError
from arner.metrics.matching import KINDS, _overlap, _overlapping_pairs
from arner.numbers import parse_number
from arner.spans import Document, Span
from arner.text import Token, tokenize
from arner.token_spans import TokenGrid

CASUALTY = "CASUALTY"
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


def _span_dict(text: str, span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": text[span.start : span.end],
    }


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


def taggable_spans(doc: Document, tokens: Sequence[Token]) -> tuple[list[Span], list[Span]]:
    """Spans word-level tags can express, and the rest: spans covering no token, or
    sharing a token with an earlier span (two spans inside one unsplit word)."""
    grid = TokenGrid(tokens)
    kept, dropped, last_token = [], [], -1
    for span in doc.spans:
        aligned = grid.char_span(span.start, span.end, "widen")
        covered = aligned.tokens if aligned is not None else range(0)
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

"""Pairing gold and predicted spans: a maximum one-to-one matching per document.

:func:`match_spans` takes the most overlapping pairs, then the most overlap, then
the most same-label pairs (identical offsets always pair); :func:`type_categories`
has its own assignment for the SemEval ``type`` scheme, the most same-label
overlaps first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from arner.spans import Span

#: Kinds of gold/prediction pairs, in the order of the per-document count arrays.
KINDS = ("correct", "type", "boundary", "boundary_and_type", "missed", "spurious")


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

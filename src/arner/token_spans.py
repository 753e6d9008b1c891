"""Character spans onto tokens: one function, with the policy named.

Spans live on raw character offsets; word-level tags, the seqeval view and the
decoder see tokens. Where a span edge falls inside a token there is a choice,
named here as spaCy names it in ``Doc.char_span(..., alignment_mode=...)``:

- ``widen``: the tokens the span overlaps, its edges moved out to theirs (IOB2
  tags, the seqeval view);
- ``strict``: only a span whose edges are token edges, else none;
- ``snap``: as ``widen``, but never narrower than the span, and a start right
  after a proclitic the tokenizer left attached (``و`` of ``وكفرعويد``) stays
  where it is (the decoder's rule for predicted spans).

>>> from arner.text import tokenize
>>> grid = TokenGrid(tokenize("قتل في أفغانستان وكفرعويد"))
>>> grid.char_span(9, 12)          # ``غان`` inside ``أفغانستان``
TokenSpan(tokens=range(2, 3), start=7, end=16)
>>> grid.char_span(9, 12, "strict") is None, grid.char_span(7, 16, "strict").tokens
(True, range(2, 3))
>>> grid.char_span(18, 25, "widen").start, grid.char_span(18, 25, "snap").start
(17, 18)
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from arner.text import PROCLITICS, Token

__all__ = ["POLICIES", "Policy", "TokenGrid", "TokenSpan"]

Policy = Literal["widen", "strict", "snap"]
POLICIES: tuple[str, ...] = ("widen", "strict", "snap")


@dataclass(frozen=True)
class TokenSpan:
    """The tokens a character span maps to and its edges under the policy."""

    tokens: range
    start: int
    end: int


class TokenGrid:
    """The tokens of one text (sorted, not overlapping), indexed for
    :meth:`char_span`; build it once per text."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.ends = [t.end for t in tokens]

    def char_span(self, start: int, end: int, policy: Policy = "widen") -> TokenSpan | None:
        """``[start, end)`` on the tokens under ``policy`` (see the module docstring).

        ``None`` when it overlaps no token (``snap``: the span as it is, with no
        tokens), or for ``strict`` when an edge falls inside a token.
        """
        if policy not in POLICIES:
            raise ValueError(f"unknown span-to-token policy {policy!r}; expected one of {', '.join(POLICIES)}")
        covered = range(bisect_right(self.ends, start), bisect_left(self.starts, end))
        if not covered:
            return TokenSpan(covered, start, end) if policy == "snap" else None
        first, last = self.tokens[covered[0]], self.tokens[covered[-1]]
        if policy == "widen":
            return TokenSpan(covered, first.start, last.end)
        if policy == "strict":
            return TokenSpan(covered, start, end) if (first.start, last.end) == (start, end) else None
        after_clitic = first.start < start and first.text[: start - first.start] in PROCLITICS
        return TokenSpan(covered, start if after_clitic else min(start, first.start), max(end, last.end))

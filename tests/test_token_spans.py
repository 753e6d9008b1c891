"""arner.token_spans: one span-to-token function, three named policies."""

from __future__ import annotations

import pytest

from arner.text import tokenize
from arner.token_spans import TokenGrid

TEXT = "قتل في أفغانستان وكفرعويد"  # tokens: قتل [0,3) في [4,6) أفغانستان [7,16) وكفرعويد [17,25)


@pytest.fixture
def grid() -> TokenGrid:
    return TokenGrid(tokenize(TEXT))


def test_widen_moves_edges_out_to_the_tokens(grid: TokenGrid) -> None:
    inner = grid.char_span(9, 12)  # غان
    assert (inner.tokens, inner.start, inner.end) == (range(2, 3), 7, 16)
    across = grid.char_span(5, 9)  # ي أف: two tokens, both widened
    assert (across.tokens, across.start, across.end) == (range(1, 3), 4, 16)
    assert grid.char_span(3, 4) is None  # the space between two words


def test_strict_keeps_only_spans_on_token_edges(grid: TokenGrid) -> None:
    assert grid.char_span(9, 12, "strict") is None
    exact = grid.char_span(4, 16, "strict")
    assert (exact.tokens, exact.start, exact.end) == (range(1, 3), 4, 16)


def test_snap_keeps_a_start_after_an_attached_proclitic(grid: TokenGrid) -> None:
    place = grid.char_span(18, 25, "snap")  # كفرعويد after the و the tokenizer left on it
    assert (place.start, place.end) == (18, 25)
    assert (grid.char_span(9, 12, "snap").start, grid.char_span(9, 12, "snap").end) == (7, 16)
    assert grid.char_span(19, 25, "snap").start == 19  # after وك, a proclitic pair
    assert grid.char_span(20, 25, "snap").start == 17  # وكف is no proclitic: widened
    gap = grid.char_span(3, 4, "snap")  # no token: the span as it is
    assert (gap.tokens, gap.start, gap.end) == (range(0), 3, 4)


def test_unknown_policy_is_named(grid: TokenGrid) -> None:
    with pytest.raises(ValueError, match="unknown span-to-token policy 'expand'"):
        grid.char_span(0, 3, "expand")  # type: ignore[arg-type]

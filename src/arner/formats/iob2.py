"""Character spans <-> word-level IOB2 tags over :mod:`arner.text` tokens.

Spans live on raw character offsets; models and CoNLL files see one tag per
token. The conversion is exact when every span starts and ends on token
boundaries. When a boundary falls inside a token (``حزب الله`` inside the
unsplit word ``وحزب``) the whole token is tagged, so decoding gives a *wider*
span; :class:`AlignmentReport` counts these and keeps examples.

>>> from arner.text import tokenize
>>> from arner.spans import Span
>>> text = "قتل 4 من داعش"
>>> tokens = tokenize(text)
>>> tags = spans_to_tags(text, [Span(4, 5, "CASUALTY"), Span(9, 13, "MILITIA")], tokens)
>>> tags
['O', 'B-CASUALTY', 'O', 'B-MILITIA']
>>> spans, invalid = tags_to_spans(tokens, tags)
>>> [(s.start, s.end, s.label) for s in spans], invalid
([(4, 5, 'CASUALTY'), (9, 13, 'MILITIA')], 0)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from arner.spans import Document, Span, SpanError
from arner.text import Token, tokenize
from arner.token_spans import TokenGrid

__all__ = [
    "AlignmentReport",
    "document_tags",
    "invalid_inside",
    "parse_tag",
    "spans_to_tags",
    "tags_to_spans",
]

MAX_EXAMPLES = 20


@dataclass
class AlignmentReport:
    """How well spans fit token boundaries, over one or many documents.

    ``exact`` spans start and end on token boundaries; ``widened`` ones had a
    boundary inside a token, so their tags cover the whole token. ``examples``
    keeps up to :data:`MAX_EXAMPLES` widened cases as readable strings.
    """

    spans: int = 0
    exact: int = 0
    widened: int = 0
    examples: list[str] = field(default_factory=list)

    def merge(self, other: AlignmentReport) -> None:
        """Add ``other``'s counts and examples (up to the cap) to this report."""
        self.spans += other.spans
        self.exact += other.exact
        self.widened += other.widened
        self.examples.extend(other.examples[: MAX_EXAMPLES - len(self.examples)])

    def share_exact(self) -> float:
        """Exact spans / all spans; 1.0 when there were no spans (nothing was lost).

        >>> AlignmentReport(spans=4, exact=3, widened=1).share_exact()
        0.75
        """
        return self.exact / self.spans if self.spans else 1.0

    def note_widened(self, example: str) -> None:
        self.widened += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)


def parse_tag(tag: str) -> tuple[str, str]:
    """Split an IOB2 tag into (prefix, label); ``O`` gives ``("O", "")``.

    Raises :class:`SpanError` for anything else (the caller adds where).

    >>> parse_tag("B-GPE:Population-Center")
    ('B', 'GPE:Population-Center')
    """
    if tag == "O":
        return "O", ""
    if len(tag) > 2 and tag[0] in "BI" and tag[1] == "-" and not any(c.isspace() for c in tag):
        return tag[0], tag[2:]
    raise SpanError(f"bad tag {tag!r}: expected O, B-<label> or I-<label>")


def spans_to_tags(
    text: str,
    spans: Sequence[Span],
    tokens: Sequence[Token],
    report: AlignmentReport | None = None,
    doc_id: str = "",
) -> list[str]:
    """One IOB2 tag per token: B- on the first token a span overlaps, I- on the rest.

    A span boundary inside a token widens the span to the whole token (counted
    in ``report.widened`` with an example). Raises :class:`SpanError` naming
    ``doc_id`` when a span covers no token or two spans share a token, since
    word-level tags cannot express either.
    """
    report = report if report is not None else AlignmentReport()
    tags = ["O"] * len(tokens)
    grid = TokenGrid(tokens)
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        where = (
            f"document {doc_id!r}: span [{span.start}, {span.end}) {text[span.start : span.end]!r}"
        )
        aligned = grid.char_span(span.start, span.end, "widen")
        covered = aligned.tokens if aligned is not None else range(0)
        if not covered:
            raise SpanError(f"{where} {span.label}: covers no token")
        clash = [i for i in covered if tags[i] != "O"]
        if clash:
            tok = tokens[clash[0]]
            raise SpanError(
                f"{where} {span.label}: shares token {tok.text!r} [{tok.start}, {tok.end}) "
                f"with another span (tagged {tags[clash[0]]}); split the token or fix the spans"
            )
        report.spans += 1
        if (aligned.start, aligned.end) == (span.start, span.end):
            report.exact += 1
        else:
            report.note_widened(
                f"{where} {span.label} widened to tokens {text[aligned.start : aligned.end]!r} "
                f"[{aligned.start}, {aligned.end})"
            )
        tags[covered[0]] = f"B-{span.label}"
        for i in covered[1:]:
            tags[i] = f"I-{span.label}"
    return tags


def invalid_inside(tags: Sequence[str]) -> list[int]:
    """Indices of I-X tags that continue nothing (after O, at the start, or after another type).

    >>> invalid_inside(["I-PLACE", "O", "B-MILITIA", "I-PLACE", "I-PLACE"])
    [0, 3]
    """
    bad = []
    previous = ""
    for i, tag in enumerate(tags):
        prefix, label = parse_tag(tag)
        if prefix == "I" and label != previous:
            bad.append(i)
        # an invalid I-X that opens a span makes the following I-X valid
        previous = label
    return bad


def tags_to_spans(
    tokens: Sequence[Token], tags: Sequence[str], *, strict: bool = True
) -> tuple[list[Span], int]:
    """Decode IOB2 tags into raw-offset spans; also return the number of invalid I- tags.

    A span runs from its first token's start to its last token's end. An I-X
    that continues nothing (see :func:`invalid_inside`) is never repaired
    silently: it is counted, and with ``strict=True`` (the default) it opens a
    new span, as conlleval and seqeval's default mode read it, so no tagged token
    is lost. With ``strict=False`` it is read as O, as seqeval's
    ``mode="strict"`` with IOB2 does, together with the I-X tags that continue
    it. The count is the same either way: it describes the tags, not the choice.

    >>> from arner.text import tokenize
    >>> toks = tokenize("قتل 4 في دير الزور")
    >>> tags_to_spans(toks, ["O", "I-CASUALTY", "O", "B-PLACE", "I-PLACE"])[1]
    1
    >>> [s.start for s in tags_to_spans(toks, ["O", "I-CASUALTY", "O", "O", "O"], strict=False)[0]]
    []
    """
    if len(tokens) != len(tags):
        raise SpanError(f"{len(tokens)} tokens but {len(tags)} tags")
    spans: list[Span] = []
    open_at: int | None = None  # first token of the span being read; None: none, or a dropped run
    label = previous = ""
    invalid = 0
    for i, tag in enumerate(tags):
        try:
            prefix, tag_label = parse_tag(tag)
        except SpanError as err:
            raise SpanError(f"tag {i} (token {tokens[i].text!r}): {err}") from None
        stray = prefix == "I" and tag_label != previous
        invalid += stray
        previous = tag_label
        if prefix == "I" and not stray:
            continue  # extends the open span (or the dropped run)
        if open_at is not None:
            spans.append(Span(tokens[open_at].start, tokens[i - 1].end, label))
        open_at, label = None, tag_label
        if prefix == "B" or (stray and strict):
            open_at = i
    if open_at is not None:
        spans.append(Span(tokens[open_at].start, tokens[-1].end, label))
    return spans, invalid


def document_tags(
    doc: Document,
    *,
    split_clitics: bool = True,
    lexicon: Collection[str] = (),
    report: AlignmentReport | None = None,
) -> tuple[list[Token], list[str]]:
    """Tokenise ``doc.text`` (see :func:`arner.text.tokenize`) and tag its spans.

    >>> from arner.spans import Span
    >>> doc = Document("d", "قصف وحزب الله", (Span(5, 13, "MILITIA"),))
    >>> tokens, tags = document_tags(doc, lexicon={"حزب"})
    >>> [t.text for t in tokens], tags
    (['قصف', 'و', 'حزب', 'الله'], ['O', 'O', 'B-MILITIA', 'I-MILITIA'])
    """
    tokens = tokenize(doc.text, split_clitics=split_clitics, lexicon=lexicon)
    return tokens, spans_to_tags(doc.text, doc.spans, tokens, report, doc.id)

"""Spans <-> word-level IOB2 tags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Entities

from arner.formats.iob2 import (
    AlignmentReport,
    document_tags,
    invalid_inside,
    spans_to_tags,
    tags_to_spans,
)
from arner.spans import Document, Span, SpanError, read_jsonl
from arner.text import Token, tokenize

from support import DATA

SEED_GOLD = DATA / "seed" / "article.spans.jsonl"


def _span(text: str, phrase: str, label: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return Span(start, start + len(phrase), label)


def test_exact_spans_tag_b_then_i_and_decode_back() -> None:
    text = "قتل 26 شخصاً في مدينة دير الزور"
    spans = [_span(text, "26", "CASUALTY"), _span(text, "دير الزور", "PLACE")]
    tokens = tokenize(text)
    report = AlignmentReport()
    tags = spans_to_tags(text, spans, tokens, report, "d1")
    assert tags == ["O", "B-CASUALTY", "O", "O", "O", "B-PLACE", "I-PLACE"]
    assert (report.spans, report.exact, report.widened, report.examples) == (2, 2, 0, [])
    assert tags_to_spans(tokens, tags) == (spans, 0)


def test_span_after_waw_on_unsplit_token_is_widened_and_counted() -> None:
    text = "قوات النظام وحزب الله"
    gold = _span(text, "حزب الله", "MILITIA")
    tokens = tokenize(text)  # no clitic split: وحزب is one token
    report = AlignmentReport()
    tags = spans_to_tags(text, [gold], tokens, report, "doc-7")
    assert tags == ["O", "O", "B-MILITIA", "I-MILITIA"]
    assert (report.spans, report.exact, report.widened) == (1, 0, 1)
    assert "doc-7" in report.examples[0] and "'وحزب الله'" in report.examples[0]
    [decoded], invalid = tags_to_spans(tokens, tags)
    assert text[decoded.start : decoded.end] == "وحزب الله" and invalid == 0


def test_split_clitic_with_lexicon_makes_the_span_exact() -> None:
    text = "قوات النظام وحزب الله"
    gold = _span(text, "حزب الله", "MILITIA")
    doc = Document("d", text, (gold,))
    report = AlignmentReport()
    tokens, tags = document_tags(doc, split_clitics=True, lexicon={"حزب"}, report=report)
    assert [t.text for t in tokens] == ["قوات", "النظام", "و", "حزب", "الله"]
    assert tags == ["O", "O", "O", "B-MILITIA", "I-MILITIA"]
    assert report.exact == 1 and report.widened == 0
    assert tags_to_spans(tokens, tags)[0] == [gold]


def test_span_ending_inside_a_token_widens_to_its_end() -> None:
    text = "في دمشقي"
    report = AlignmentReport()
    tags = spans_to_tags(text, [Span(3, 7, "PLACE")], tokenize(text), report)
    assert tags == ["O", "B-PLACE"] and report.widened == 1


def test_two_spans_in_one_token_raise_naming_the_document() -> None:
    text = "قسدوداعش في الرقة"  # two names run together with no space
    spans = [Span(0, 3, "MILITIA"), Span(4, 8, "MILITIA")]
    with pytest.raises(SpanError, match=r"document 'x7'.*shares token 'قسدوداعش'"):
        spans_to_tags(text, spans, tokenize(text), doc_id="x7")


def test_span_over_no_token_raises() -> None:
    tokens = [Token("قتل", 0, 3)]
    with pytest.raises(SpanError, match="covers no token"):
        spans_to_tags("قتل 4", [Span(4, 5, "CASUALTY")], tokens, doc_id="d")


def test_stray_inside_tag_opens_a_span_and_is_counted() -> None:
    tokens = tokenize("قتل 4 من داعش في البوكمال")
    tags = ["O", "I-CASUALTY", "O", "B-MILITIA", "O", "I-PLACE"]
    spans, invalid = tags_to_spans(tokens, tags)
    assert [(s.start, s.end, s.label) for s in spans] == [
        (4, 5, "CASUALTY"),
        (9, 13, "MILITIA"),
        (17, 25, "PLACE"),
    ]
    assert invalid == 2 and invalid_inside(tags) == [1, 5]
    lenient, invalid_lenient = tags_to_spans(tokens, tags, strict=False)
    assert [s.label for s in lenient] == ["MILITIA"] and invalid_lenient == 2


def test_type_change_inside_a_span_starts_a_new_one() -> None:
    tokens = tokenize("لواء فاطميون البوكمال")
    spans, invalid = tags_to_spans(tokens, ["B-MILITIA", "I-MILITIA", "I-PLACE"])
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 12, "MILITIA"), (13, 21, "PLACE")]
    assert invalid == 1


def test_bad_tag_and_length_mismatch_raise() -> None:
    tokens = tokenize("في حلب")
    with pytest.raises(SpanError, match=r"tag 1 \(token 'حلب'\).*'LOC'"):
        tags_to_spans(tokens, ["O", "LOC"])
    with pytest.raises(SpanError, match="2 tokens but 1 tags"):
        tags_to_spans(tokens, ["O"])


def test_report_merge_caps_examples() -> None:
    total = AlignmentReport()
    for n in range(30):
        part = AlignmentReport()
        part.spans, part.exact = 2, 1
        part.note_widened(f"example {n}")
        total.merge(part)
    assert (total.spans, total.exact, total.widened) == (60, 30, 30)
    assert len(total.examples) == 20 and total.share_exact() == 0.5


def test_seed_article_with_own_lexicon_is_all_exact() -> None:
    [doc] = read_jsonl(SEED_GOLD)
    lexicon = {doc.span_text(s).split()[0] for s in doc.spans}
    split = AlignmentReport()
    tokens, tags = document_tags(doc, split_clitics=True, lexicon=lexicon, report=split)
    assert (split.spans, split.exact, split.share_exact()) == (41, 41, 1.0)
    assert tags_to_spans(tokens, tags) == (list(doc.spans), 0)
    # Without a lexicon, clitics before non-ال words (وحزب، ببادية، وإيران) stay attached.
    plain = AlignmentReport()
    document_tags(doc, split_clitics=True, report=plain)
    assert (plain.exact, plain.widened) == (36, 5)
    unsplit = AlignmentReport()
    document_tags(doc, split_clitics=False, report=unsplit)
    # A count glued to a proclitic (و4) is a word of its own even unsplit.
    assert (unsplit.exact, unsplit.widened) == (33, 8)


WORDS = ["قتل", "حزب", "الله", "دير", "الزور", "26", "،", "ميليشيات", "«", "لواء"]
LABELS = ["MILITIA", "PLACE", "CASUALTY"]


@st.composite
def tokens_and_spans(draw: st.DrawFn) -> tuple[str, list[Token], list[Span]]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    text = " ".join(words)
    tokens = tokenize(text)
    spans, i = [], 0
    while i < len(tokens):
        length = draw(st.integers(0, 3))
        if length and i + length <= len(tokens):
            label = draw(st.sampled_from(LABELS))
            spans.append(Span(tokens[i].start, tokens[i + length - 1].end, label))
            i += length + draw(st.integers(0, 1))  # adjacent spans too
        else:
            i += 1
    return text, tokens, spans


@settings(max_examples=200, deadline=None)
@given(tokens_and_spans())
def test_round_trip_on_token_boundaries(case: tuple[str, list[Token], list[Span]]) -> None:
    text, tokens, spans = case
    report = AlignmentReport()
    tags = spans_to_tags(text, spans, tokens, report)
    assert tags_to_spans(tokens, tags) == (spans, 0)
    assert report.exact == report.spans == len(spans)


TAGS = ["O", "B-PLACE", "I-PLACE", "B-MILITIA", "I-MILITIA"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TAGS), min_size=1, max_size=10))
def test_decoding_agrees_with_seqeval(tags: list[str]) -> None:
    tokens = [Token("كلمة", 5 * i, 5 * i + 4) for i in range(len(tags))]

    def as_ranges(spans: list[Span]) -> list[tuple[str, int, int]]:
        return [(s.label, s.start // 5, (s.end + 1) // 5) for s in spans]

    default, invalid = tags_to_spans(tokens, tags)
    assert as_ranges(default) == [(t, a, b + 1) for t, a, b in get_entities(tags)]
    lenient, _ = tags_to_spans(tokens, tags, strict=False)
    assert as_ranges(lenient) == [
        (e.tag, e.start, e.end) for e in Entities([tags], IOB2).entities[0]
    ]
    assert invalid == len(invalid_inside(tags))

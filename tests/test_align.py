"""Character spans to subword labels and back, on the tiny tokenizer."""

from __future__ import annotations

import pytest

from arner.align import (
    AlignStats,
    Preprocessor,
    bio_labels,
    decode_window_predictions,
    encode_documents,
    tags_to_char_spans,
)
from arner.encoders.tiny import train_tiny_tokenizer
from arner.spans import Document, Span, read_jsonl

from support import DATA

LABELS = bio_labels()
LABEL2ID = {label: i for i, label in enumerate(LABELS)}
ID2LABEL = dict(enumerate(LABELS))


@pytest.fixture(scope="module")
def seed() -> Document:
    return read_jsonl(DATA / "seed" / "article.spans.jsonl")[0]


@pytest.fixture(scope="module")
def tokenizer(seed: Document):
    return train_tiny_tokenizer([seed.text])


def gold_round_trip(docs, tokenizer, prep, **kwargs):
    stats = AlignStats()
    windows = encode_documents(docs, tokenizer, LABEL2ID, prep, stats=stats, **kwargs)
    predictions = [[max(label, 0) for label in w.labels] for w in windows]
    return stats, decode_window_predictions(windows, predictions, ID2LABEL)


def test_gold_labels_decode_back_to_gold_spans(seed: Document, tokenizer) -> None:
    lexicon = frozenset(seed.span_text(s).split()[0] for s in seed.spans)
    stats, decoded = gold_round_trip([seed], tokenizer, Preprocessor(True, lexicon), max_length=512, stride=64)
    assert stats.exact == stats.spans == 41
    assert decoded[0] == list(seed.spans)


def test_long_document_is_windowed_and_nothing_is_cut(seed: Document, tokenizer) -> None:
    lexicon = frozenset(seed.span_text(s).split()[0] for s in seed.spans)
    stats, decoded = gold_round_trip([seed], tokenizer, Preprocessor(True, lexicon), max_length=48, stride=16)
    assert stats.windows > 5
    assert decoded[0] == list(seed.spans)


def test_line_windows_never_cross_a_line_break_and_keep_every_span(tokenizer) -> None:
    text = "مقتل 5 عناصر من قسد في دير الزور\nالرقة – قصفت طائرات مسيرة مواقع لداعش"
    spans = tuple(Span(text.index(s), text.index(s) + len(s), label) for s, label in
                  [("5", "CASUALTY"), ("قسد", "MILITIA"), ("دير الزور", "PLACE"), ("الرقة", "PLACE"), ("داعش", "MILITIA")])
    doc = Document("d", text, spans)
    break_at = text.index("\n")
    whole = encode_documents([doc], tokenizer, LABEL2ID, Preprocessor(True), max_length=64, stride=8)
    assert len(whole) == 1  # one window runs across the line break
    stats, decoded = gold_round_trip([doc], tokenizer, Preprocessor(True), max_length=64, stride=8, line_windows=True)
    lines = encode_documents([doc], tokenizer, LABEL2ID, Preprocessor(True), max_length=64, stride=8, line_windows=True)
    assert len(lines) == 2
    for window in lines:
        starts = [a for a, _ in window.char_ranges if a >= 0]
        assert all(a < break_at for a in starts) or all(a > break_at for a in starts)
    assert decoded[0] == list(spans) and stats.exact == stats.spans == 5


def test_span_after_unsplit_clitic_is_widened_and_counted(tokenizer) -> None:
    doc = Document("d", "قصف مواقع وحزب الله", (Span(11, 19, "MILITIA"),))
    stats, decoded = gold_round_trip([doc], tokenizer, Preprocessor(split_clitics=False), max_length=64, stride=8)
    assert (stats.spans, stats.exact) == (1, 0) and "حزب الله" in stats.examples[0] and stats.widened == 1
    assert decoded[0] == [Span(10, 19, "MILITIA")]
    stats, decoded = gold_round_trip([doc], tokenizer, Preprocessor(True, frozenset({"حزب"})), max_length=64, stride=8)
    assert stats.exact == 1 and decoded[0] == [Span(11, 19, "MILITIA")]


def test_stray_inside_tag_starts_a_span() -> None:
    spans = tags_to_char_spans([((0, 2), "I-PLACE", 1.0), ((3, 5), "B-MILITIA", 1.0), ((6, 8), "I-PLACE", 1.0)])
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 2, "PLACE"), (3, 5, "MILITIA"), (6, 8, "PLACE")]


def test_arabert_preprocessing_maps_spans_back_to_raw_text(tokenizer) -> None:
    from arner.encoders.sources import normalizer_for

    text = "قُتِلَ ١٢ عنصراً و4 من حـزب الله في دير الزور"
    marks = [("١٢", "CASUALTY"), ("4", "CASUALTY"), ("حـزب الله", "MILITIA"), ("دير الزور", "PLACE")]
    gold = [Span(text.index(m), text.index(m) + len(m), label) for m, label in marks]
    doc = Document("d", text, tuple(gold))
    assert [doc.span_text(s) for s in gold] == ["١٢", "4", "حـزب الله", "دير الزور"]
    prep = Preprocessor(True, frozenset({"حزب"}), normalizer_for("arabert"))
    stats, decoded = gold_round_trip([doc], tokenizer, prep, max_length=64, stride=8)
    assert stats.exact == 4 and decoded[0] == gold

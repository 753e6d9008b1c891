"""Character spans <-> subword labels, through the fast tokenizer's offsets.

The pipeline for one document:

1. optional normalisation (:func:`arner.text.normalize`, or AraBERT v2's) with a
   map back to raw offsets;
2. words from the text layer, proclitics split off (``وحزب`` -> ``و`` ``حزب``);
3. the model's fast tokenizer over those words (``is_split_into_words``), in
   overlapping windows when the document is longer than the model's window.

Every subword gets a raw character range, so labels come from character spans
(not words) and predictions decode straight back to raw offsets.

Boundary rule: a subword overlapping a span is part of it; the first such
subword is ``B-``, later ones ``I-``. A span is *exact* when its first subword
starts at the span start and its last one ends at the span end; otherwise the
decoded span would be wider than the gold, and the span is counted as widened.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arner.config import UNKNOWN
from arner.formats.iob2 import AlignmentReport
from arner.spans import LABELS, Document, Span
from arner.text import LINE_BREAKS, Normalized, NormalizedToken, Token, tokenize

IGNORE = -100
SETTINGS_FILE = "arner.json"


def bio_labels(labels: Sequence[str] = LABELS) -> list[str]:
    """``O`` then ``B-``/``I-`` per label: the classifier's label list.

    >>> bio_labels(["PLACE"])
    ['O', 'B-PLACE', 'I-PLACE']
    """
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def entity_labels(tags: Sequence[str]) -> list[str]:
    """The entity types of a classifier's ``B-``/``I-`` label list, in order: :func:`bio_labels` undone.

    >>> entity_labels(bio_labels(["MILITIA", "PLACE"]))
    ['MILITIA', 'PLACE']
    """
    return list(dict.fromkeys(tag[2:] for tag in tags if tag != "O"))


@dataclass(frozen=True)
class Preprocessor:
    """Text -> words with raw offsets. ``normalizer`` returns a :class:`Normalized`."""

    split_clitics: bool = True
    lexicon: frozenset[str] = frozenset()
    normalizer: Callable[[str], Normalized] | None = None

    def words(self, text: str) -> list[Token]:
        """Words of ``text`` whose ``start``/``end`` are raw offsets (``text`` may be normalised)."""
        norm = self.normalizer(text) if self.normalizer else None
        source = norm.text if norm else text
        tokens = tokenize(source, split_clitics=self.split_clitics, lexicon=self.lexicon)
        if norm is None:
            return tokens
        out = []
        for tok in tokens:
            start, end = norm.to_raw(tok.start, tok.end)
            out.append(NormalizedToken(tok.text, start, end, tok.clitic))
        return out


@dataclass
class PreprocessSettings:
    """How raw text becomes model input; saved next to a model as ``arner.json``."""

    labels: list[str]
    split_clitics: bool = True
    lexicon: list[str] = field(default_factory=list)
    normalize: str = "none"
    max_length: int = 256
    stride: int = 64
    snap_to_words: bool = True
    # False for models saved before the setting existed: they were trained that way.
    line_windows: bool = False
    # arner.coordination on the output; False for models saved before it, so that their
    # recorded predictions stay reproducible.
    split_coordination: bool = False
    # Known PLACE names that hold a word the coordination rule would cut at (`سيستان
    # وبلوشستان`): kept whole. Empty for models saved before it, as they predicted then.
    joined_names: list[str] = field(default_factory=list)
    # Spans below this mean confidence are dropped; 0.0 for models saved before it.
    min_span_score: float = 0.0

    def preprocessor(self) -> Preprocessor:
        from arner.encoders.sources import normalizer_for

        return Preprocessor(self.split_clitics, frozenset(self.lexicon), normalizer_for(self.normalize))

    def save(self, directory: str | Path) -> None:
        payload = {k: getattr(self, k) for k in self.__dataclass_fields__}
        payload["lexicon"] = sorted(self.lexicon)
        Path(directory, SETTINGS_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "PreprocessSettings":
        """The settings saved in ``directory``; :class:`ModelLoadError` naming the file when
        it is missing or unreadable."""
        from arner.encoders.sources import ModelLoadError

        path = Path(directory, SETTINGS_FILE)
        if not path.exists():
            raise ModelLoadError(f"{path}: not an arner model directory (no {SETTINGS_FILE})")
        try:
            settings = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as err:
            raise ModelLoadError.about(path, "unreadable model settings", err) from None
        if not isinstance(settings.labels, list) or not settings.labels:
            raise ModelLoadError(f"{path}: 'labels' must be a non-empty list, got {settings.labels!r:.80}")
        return settings


@dataclass
class AlignStats(AlignmentReport):
    """The :class:`AlignmentReport` of gold spans on subword pieces, with the windows
    they were cut into: the counts the build prints."""

    documents: int = 0
    windows: int = 0
    spans_crossing_window: int = 0

    def summary(self) -> str:
        return (
            f"{self.documents} documents -> {self.windows} windows; {self.exact}/{self.spans} "
            f"gold spans exact under this tokenization ({100 * self.share_exact():.1f}%), "
            f"{self.widened} widened; {self.spans_crossing_window} span(s) cross a window edge"
        )


@dataclass
class Window:
    """One model input: subword ids, labels and each subword's raw character range."""

    doc_index: int
    input_ids: list[int]
    attention_mask: list[int]
    labels: list[int]
    char_ranges: list[tuple[int, int]]  # (-1, -1) for special tokens and empty pieces


def encode_documents(
    docs: Sequence[Document],
    tokenizer,
    label2id: dict[str, int],
    preprocessor: Preprocessor,
    *,
    max_length: int = 256,
    stride: int = 64,
    stats: AlignStats | None = None,
    words: Sequence[Sequence] | None = None,
    line_windows: bool = False,
) -> list[Window]:
    """Windows with subword labels for every document; nothing is truncated.

    ``words``: each document's ``preprocessor.words``, when the caller has them already.
    ``line_windows``: no window crosses a line break. Tokenizers drop line breaks, so
    otherwise a headline, its dateline and the paragraphs under it reach the model
    as one run-on sentence, unlike the one-paragraph documents it was trained on.
    """
    stats = stats if stats is not None else AlignStats()
    windows: list[Window] = []
    for index, doc in enumerate(docs):
        doc_words = words[index] if words is not None else preprocessor.words(doc.text)
        lines = line_groups(doc.text, doc_words) if line_windows else [doc_words]
        doc_windows = [w for line in lines for w in _windows(index, line, tokenizer, max_length, stride)]
        _label_windows(doc, doc_windows, label2id, stats)
        stats.documents += 1
        stats.windows += len(doc_windows)
        windows.extend(doc_windows)
    return windows


def line_groups(text: str, words: Sequence) -> list[list]:
    """``words`` (with raw offsets into ``text``) grouped by the line they sit on.

    >>> text = "غارة قرب كركوك\\n\\nسنجار – قال"
    >>> [[w.text for w in line] for line in line_groups(text, tokenize(text))]
    [['غارة', 'قرب', 'كركوك'], ['سنجار', '–', 'قال']]
    """
    lines: list[list] = [[]]
    for word in words:
        if lines[-1] and any(ch in LINE_BREAKS for ch in text[lines[-1][-1].end : word.start]):
            lines.append([])
        lines[-1].append(word)
    return lines


def _windows(index: int, words: Sequence, tokenizer, max_length: int, stride: int) -> list[Window]:
    enc = tokenizer(
        [w.text for w in words] or [""],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    out = []
    for w in range(len(enc["input_ids"])):
        ranges = [_raw_range(words, word_id, offset) for word_id, offset in zip(enc.word_ids(w), enc["offset_mapping"][w])]
        out.append(Window(index, enc["input_ids"][w], enc["attention_mask"][w], [], ranges))
    return out


def _raw_range(words: Sequence, word_id: int | None, offset: tuple[int, int]) -> tuple[int, int]:
    if word_id is None or offset[0] == offset[1] or not words:
        return (-1, -1)
    word = words[word_id]
    if word.end - word.start == len(word.text):
        return (word.start + offset[0], word.start + offset[1])
    # A normalised word whose length differs from its raw form: pieces map to the
    # whole raw word at the word's edges, proportionally inside.
    start = word.start if offset[0] == 0 else min(word.end, word.start + offset[0])
    end = word.end if offset[1] >= len(word.text) else min(word.end, word.start + offset[1])
    return (start, max(start + 1, end))


def _label_windows(doc: Document, windows: list[Window], label2id: dict[str, int], stats: AlignStats) -> None:
    for window in windows:
        window.labels = [IGNORE if r[0] < 0 else label2id["O"] for r in window.char_ranges]
    indexes = [_PieceIndex(w) for w in windows]
    for span in doc.spans:
        hits = [(w, i) for w, index in zip(windows, indexes) for i in index.overlapping(span)]
        if span.label == UNKNOWN:  # partial labels: left out of the loss
            for window, i in hits:
                window.labels[i] = IGNORE
            continue
        stats.spans += 1
        pieces = sorted({w.char_ranges[i] for w, i in hits})
        if pieces and pieces[0][0] == span.start and pieces[-1][1] == span.end:
            stats.exact += 1
        else:
            stats.note_widened(f"{doc.id}: {doc.span_text(span)!r} -> pieces {pieces[:4]}")
        for window, i in hits:
            tag = "B" if window.char_ranges[i] == pieces[0] else "I"
            window.labels[i] = label2id[f"{tag}-{span.label}"]
        per_window = {id(w): 0 for w, _ in hits}
        for window, _ in hits:
            per_window[id(window)] += 1
        stats.spans_crossing_window += any(n < len(pieces) for n in per_window.values())


# Not a TokenGrid: XLM-R pieces overlap and repeat (a lone "▁" shares its word's start).
class _PieceIndex:
    """A window's subword character ranges, searchable by position in O(log n).

    Scanning every subword of every window for every span made long documents
    with many gold spans quadratic.
    """

    def __init__(self, window: Window):
        order = sorted((r, i) for i, r in enumerate(window.char_ranges) if r[0] >= 0)
        self.ranges = [r for r, _ in order]
        self.positions = [i for _, i in order]
        self.reach: list[int] = []  # running maximum of ends: monotone, so bisectable
        for start, end in self.ranges:
            self.reach.append(max(end, self.reach[-1] if self.reach else end))

    def overlapping(self, span: Span) -> list[int]:
        """Positions in the window of the subwords that overlap ``span``."""
        out = []
        for j in range(bisect_right(self.reach, span.start), len(self.ranges)):
            start, end = self.ranges[j]
            if start >= span.end:
                break
            if end > span.start:
                out.append(self.positions[j])
        return out


def decode_window_predictions(
    windows: Sequence[Window], predictions: Sequence[Sequence[int]], id2label: dict[int, str],
    scores: Sequence[Sequence[float]] | None = None,
) -> dict[int, list[Span]]:
    """Merge per-window label ids into character spans per document.

    Where windows overlap, a subword takes the prediction of the window in which
    it lies furthest from an edge (it saw the most context there).
    """
    best: dict[int, dict[tuple[int, int], tuple[int, int, float]]] = {}
    for w_index, window in enumerate(windows):
        doc_best = best.setdefault(window.doc_index, {})
        n = len(window.char_ranges)
        for i, rng in enumerate(window.char_ranges):
            if rng[0] < 0:
                continue
            margin = min(i, n - 1 - i)
            score = scores[w_index][i] if scores is not None else 1.0
            if rng not in doc_best or margin > doc_best[rng][0]:
                doc_best[rng] = (margin, int(predictions[w_index][i]), float(score))
    return {
        doc: tags_to_char_spans([(r, id2label[v[1]], v[2]) for r, v in sorted(pieces.items())])
        for doc, pieces in best.items()
    }


def tags_to_char_spans(pieces: Sequence[tuple[tuple[int, int], str, float]]) -> list[Span]:
    """BIO tags on subword character ranges -> spans. An ``I-`` that cannot continue starts a span.

    >>> tags_to_char_spans([((0, 3), "B-PLACE", 0.9), ((4, 8), "I-PLACE", 0.7), ((9, 11), "O", 1.0)])
    [Span(start=0, end=8, label='PLACE', extra={'score': 0.8})]
    """
    spans: list[Span] = []
    current: list = []
    for rng, tag, score in list(pieces) + [((-1, -1), "O", 1.0)]:
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and current and current[0][1] == label
        if current and not continues:
            scores = [c[2] for c in current]
            spans.append(Span(current[0][0][0], current[-1][0][1], current[0][1],
                              {"score": round(sum(scores) / len(scores), 4)}))
            current = []
        if prefix in ("B", "I"):
            current.append((rng, label, score))
    return spans

"""The lookup floor: what the gazetteers find with no learning at all.

A model trained on data made from the gazetteers should beat a plain lookup of
them; this module gives that lookup so every report can print it beside the
model. MILITIA and PLACE are the longest gazetteer match over words (proclitics
split off, diacritics, tatweel and alef forms folded, quotes ignored, the elided
article after ``ل`` restored); a state-force match blocks the words it covers.
CASUALTY is a number expression (digits, number words or a dual noun) within a
few words of a killed/wounded word.

>>> from arner.gazetteers import Gazetteers, Militia, Place
>>> gaz = Gazetteers((Militia("حزب الله", (), "Lebanon", "named"),), (Place("الموصل", "city", "Iraq"),))
>>> doc = GazetteerTagger(gaz).predict([Document("d", "قُتل 3 من عناصر حزب الله للموصل")])[0]
>>> [(doc.span_text(s), s.label) for s in doc.spans]
[('3', 'CASUALTY'), ('حزب الله', 'MILITIA'), ('لموصل', 'PLACE')]
"""

from __future__ import annotations

from collections.abc import Sequence

from arner.gazetteers import Gazetteers
from arner.numbers import parse_number
from arner.spans import Document, Span
from arner.text import QUOTES, Token, normalize, tokenize, with_closing_quote

BLOCKED = "O"
LOOKUP_LABELS = ("MILITIA", "PLACE", "CASUALTY")  # what the lookup can find


def _key(word: str) -> str:
    return normalize(word).text


# Stems of words that say people were killed or wounded.
CASUALTY_WORDS = tuple(map(_key, (
    "قتل", "مقتل", "قتيل", "مصرع", "أصيب", "إصابة", "إصابات", "جرح", "جريح", "مصاب",
    "شهيد", "شهداء", "استشهد", "استشهاد", "ضحايا", "ضحية", "حصيلة", "جثث", "جثة", "لقي", "لقوا",
)))
CASUALTY_WINDOW = 4  # words between a number and the nearest killed/wounded word
MAX_NUMBER_WORDS = 4
SCALE_WORDS = frozenset(map(_key, ("ألف", "آلاف", "عشر", "عشرة", "مئة", "مائة")))


class GazetteerTagger:
    """Longest-match lookup of a :class:`Gazetteers` plus the casualty-number rule."""

    def __init__(self, gazetteers: Gazetteers):
        self.lexicon = gazetteers.lexicon()
        self.entries: dict[tuple[str, ...], str] = {}
        for label, names in ((BLOCKED, gazetteers.state_forces), ("PLACE", [p.name for p in gazetteers.places]),
                             ("MILITIA", gazetteers.militia_surfaces())):
            for name in names:  # later labels win a shared surface: militia over place over state
                key = self._words_key(tokenize(name))
                if key:
                    self.entries[key] = label
        self.longest = max((len(k) for k in self.entries), default=0)

    @staticmethod
    def _words_key(tokens: Sequence[Token]) -> tuple[str, ...]:
        return tuple(_key(t.text) for t in tokens if t.text not in QUOTES)

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with looked-up spans in place of any they had."""
        return [doc.with_spans(self.find(doc.text)) for doc in docs]

    def find(self, text: str) -> list[Span]:
        tokens = [t for t in tokenize(text, split_clitics=True, lexicon=self.lexicon)
                  if not t.clitic and t.text not in QUOTES]
        keys = [_key(t.text) for t in tokens]  # folded once; every match and the number rule read them
        spans: list[Span] = []
        taken = [False] * len(tokens)
        i = 0
        while i < len(tokens):
            match = self._match_at(keys, i)
            if match is None:
                i += 1
                continue
            length, label = match
            if label != BLOCKED:
                end = with_closing_quote(text, tokens[i].start, tokens[i + length - 1].end)
                spans.append(Span(tokens[i].start, end, label))
            taken[i : i + length] = [True] * length
            i += length
        spans += casualty_numbers(text, tokens, keys, taken)
        return sorted(spans, key=lambda s: s.start)

    def _match_at(self, keys: Sequence[str], i: int) -> tuple[int, str] | None:
        for length in range(min(self.longest, len(keys) - i), 0, -1):
            words = tuple(keys[i : i + length])
            for key in (words, ("ا" + words[0], *words[1:]) if words[0].startswith("ل") else None):
                if key in self.entries:
                    return length, self.entries[key]
        return None


def casualty_numbers(text: str, tokens: Sequence[Token], keys: Sequence[str], taken: Sequence[bool]) -> list[Span]:
    """Number expressions within :data:`CASUALTY_WINDOW` words of a killed/wounded word
    (``keys``: the tokens folded by :func:`_key`)."""
    triggers = [i for i, key in enumerate(keys) if _is_casualty_word(key)]
    spans = []
    i = 0
    while i < len(tokens):
        length = _number_length(text, tokens, keys, i) if not taken[i] else 0
        near = any(i - CASUALTY_WINDOW <= t <= i + length + CASUALTY_WINDOW for t in triggers)
        if length and near and not any(taken[i : i + length]):
            spans.append(Span(tokens[i].start, tokens[i + length - 1].end, "CASUALTY"))
            i += length
        else:
            i += 1
    return spans


def _is_casualty_word(word: str) -> bool:
    """A killed/wounded stem, possibly after one proclitic (``وقتل``; ``لقي`` keeps its ``ل``)."""
    return word.startswith(CASUALTY_WORDS) or (word[:1] in "وفبل" and word[1:].startswith(CASUALTY_WORDS))


def _number_length(text: str, tokens: Sequence[Token], keys: Sequence[str], i: int) -> int:
    """Words in the number expression starting at token ``i`` (0 if none): a run of
    digits and number words (``خمسة عشر``, ``سبعة وعشرين``, ``500 ألف``) or a dual noun."""
    length = 0
    while length < MAX_NUMBER_WORDS and i + length < len(tokens) and _is_number_word(keys[i + length]):
        length += 1
    while length and parse_number(text[tokens[i].start : tokens[i + length - 1].end]) in (None, 0):
        length -= 1
    return length


def _is_number_word(bare: str) -> bool:
    return bare[:1].isdigit() or bare in SCALE_WORDS or parse_number(bare) is not None or (
        bare.startswith("و") and parse_number(bare[1:]) is not None)


def score_floor(gold: Sequence[Document], metrics: dict, gazetteers: Gazetteers, *,
                labels: Sequence[str], bootstrap: int = 1000, seed: int = 0) -> dict:
    """The lookup floor on ``gold``, for ``metrics["floor"]`` beside a model's scores:
    its exact-span table and the paired bootstrap of model minus floor."""
    from arner.metrics import compare_runs, evaluate_documents

    floor = evaluate_documents(gold, GazetteerTagger(gazetteers).predict(gold), labels=labels,
                               bootstrap=bootstrap, seed=seed)
    return {
        "name": "gazetteer lookup",
        "span_exact": floor["span_exact"],
        "compare": compare_runs(metrics["per_document"], floor["per_document"], samples=bootstrap,
                                seed=seed, other_name="gazetteer lookup"),
    }


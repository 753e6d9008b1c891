"""Coordinated names: the conjunction ``و`` glued to a name nobody listed.

The tokenizer splits a proclitic off only where the rest is safe to cut (an
article, a digit, a lexicon word), so in ``قرى عين شيب وقورقنيا`` the unknown
village is read with its ``و``, and a model that marks the word marks the
conjunction too, or runs two villages into one span. GUIDELINES keeps a
proclitic outside and coordinated entities apart; these rules put them there.

A glued ``و`` is a conjunction when the word it opens is not a lexicon word as
written (``وادي``, ``واسط`` stay whole) and at least three letters follow it. A glued
``ب`` on the last word of a PLACE span of three words or more, with at least four
letters after it, is a preposition before a second place (``جزيرة بير عياد بصرمان``):
names of three words do not end on such a word, where two-word names often do
(``الخرطوم بحري``, ``حدث بعلبك``), so shorter spans keep it.
Neither cut is made where it would leave a lone type word before it (``جبل وينان``:
``جبل`` names nothing alone), nor inside a known name that holds such a word
(``سيستان وبلوشستان``, ``دوار السبع بحرات``: :func:`joined_pairs`).
The same rule reads gold spans of corpora that tag proclitics inside
(:func:`arner.corpora.split_proclitics`) and model output
(:func:`split_coordinated`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from arner.spans import Span
from arner.text import DIRECTION_ADJECTIVES, NATIONALITY_ADJECTIVES, TATWEEL, normalize

CONJUNCTION = "و"
PREPOSITION = "ب"
# A glued و before one of these joins two adjectives of one name, not two places: a border
# named by two nationalities (`الحدود العراقية والسورية`), a countryside by two directions
# (`ريف حلب الشمالي والشرقي`), two villages told apart after their shared name
# (`المليحة الغربية والشرقية`). None of them names a place alone.
PAIRED_ADJECTIVES = DIRECTION_ADJECTIVES | NATIONALITY_ADJECTIVES | frozenset(
    normalize(word).text for word in "الأوسط الوسطى الفوقاني التحتاني الفوقا التحتا الكبير الكبيرة الصغير الصغيرة".split())
# The labels whose names are coordinated in lists of villages and groups.
COORDINATED_LABELS = frozenset({"MILITIA", "PLACE"})


def word_end(text: str, start: int) -> int:
    """The end of the word that starts at ``start``: letters and their combining marks."""
    end = start
    while end < len(text) and (text[end].isalpha() or unicodedata.combining(text[end])):
        end += 1
    return end


def glued_conjunction(text: str, start: int, lexicon: Collection[str], clitic: str = CONJUNCTION,
                      min_letters: int = 3) -> bool:
    """``text[start]`` is ``clitic`` (``و``) glued to the front of a word the lexicon lacks,
    with at least ``min_letters`` letters after it.

    >>> text = "عين شيب وقورقنيا ووادي العيون"
    >>> glued_conjunction(text, 8, set()), glued_conjunction(text, 17, {"ووادي"}), glued_conjunction(text, 4, set())
    (True, False, False)
    """
    if text[start : start + 1] != clitic or (start > 0 and not text[start - 1].isspace()):
        return False
    word = text[start:word_end(text, start)]
    letters = sum(ch.isalpha() and ch != TATWEEL for ch in word[1:])
    return letters >= min_letters and word not in lexicon and normalize(word).text not in lexicon


def conjunction_at(text: str, start: int, previous: Span | None, label: str, lexicon: Collection[str]) -> bool:
    """A span of ``label`` starting at ``start`` opens with a conjunction: ``previous``
    has the same label and ends on the word before, only spaces between, and
    ``text[start]`` is a glued ``و`` (:func:`glued_conjunction`)."""
    return (previous is not None and previous.label == label and not text[previous.end : start].strip()
            and glued_conjunction(text, start, lexicon))


def joined_names(names: Iterable[str], lexicon: Collection[str] = ()) -> list[str]:
    """Those of ``names`` (known PLACE names) that :func:`split_coordinated` would cut, sorted:
    what a model saves so that it keeps them whole (:func:`joined_pairs`).

    >>> joined_names(["خب والشعف", "الحسكة", "ريف حلب الشمالي والشرقي"])
    ['خب والشعف']
    """
    return sorted({name for name in names if _cut_points(name, _whole(name), lexicon)})


def joined_pairs(names: Iterable[str], lexicon: Collection[str] = ()) -> frozenset[tuple[str, str]]:
    """The word pairs, default-normalised, at which :func:`split_coordinated` would cut one of
    ``names`` (known PLACE names) in two: a cut between them is never made.

    >>> sorted(joined_pairs(["سيستان وبلوشستان", "الحسكة", "دوار السبع بحرات", "وادي بردى"]))
    [('السبع', 'بحرات'), ('سيستان', 'وبلوشستان')]
    """
    return frozenset(_pair_at(name, 0, stop) for name in names for stop, _ in _cut_points(name, _whole(name), lexicon)
                     if name[:stop].strip())


def split_coordinated(text: str, spans: Iterable[Span], lexicon: Collection[str], *,
                      lone_words: Collection[str] = (), joined: Collection[tuple[str, str]] = ()) -> list[Span]:
    """``spans`` (sorted, flat) with coordinated names taken apart:

    - a MILITIA or PLACE span right after one of its label loses a glued ``و``;
    - a PLACE span with a glued ``و`` inside becomes two spans, the ``و`` between, unless
      what the ``و`` opens is one of ``PAIRED_ADJECTIVES``;
    - so does a PLACE span of three words or more whose last word opens with a glued ``ب``.

    Group names hold ``و`` (``جيش المهاجرين والأنصار``), so MILITIA spans are never cut
    inside. No PLACE span is cut right after a word of ``lone_words`` that opens it (type
    words, default-normalised), nor between the two words of a ``joined`` pair.

    >>> text = "قصف قرى عين شيب وقورقنيا ومشون وبينين"
    >>> spans = [Span(8, 15, "PLACE"), Span(16, 24, "PLACE"), Span(25, 37, "PLACE")]
    >>> [text[s.start:s.end] for s in split_coordinated(text, spans, set())]
    ['عين شيب', 'قورقنيا', 'مشون', 'بينين']
    >>> text = "مرورا بجزيرة بير عياد بصرمان وبالخرطوم بحري"
    >>> spans = [Span(7, 28, "PLACE"), Span(31, 43, "PLACE")]
    >>> [text[s.start:s.end] for s in split_coordinated(text, spans, set())]
    ['جزيرة بير عياد', 'صرمان', 'الخرطوم بحري']
    """
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if span.label not in COORDINATED_LABELS:
            out.append(span)
            continue
        for start, end in _pieces(text, span, lexicon, lone_words, joined):
            if conjunction_at(text, start, out[-1] if out else None, span.label, lexicon):
                start += 1
            out.append(Span(start, end, span.label, dict(span.extra)))
    return out


def _cut_points(text: str, span: Span, lexicon: Collection[str]) -> list[tuple[int, int]]:
    """Where a PLACE ``span`` is cut, as (end of the piece before, start of the piece after):
    before each inner word that opens with a glued conjunction (not a paired adjective; the
    ``و`` opens the piece after, for :func:`conjunction_at`), and around the glued ``ب`` of a
    last word of a span of three words or more that opens a second place."""
    cuts = [(i, i) for i in range(span.start + 1, span.end)
            if text[i - 1].isspace() and glued_conjunction(text, i, lexicon)
            and normalize(text[i + 1 : min(word_end(text, i + 1), span.end)]).text not in PAIRED_ADJECTIVES]
    end = span.start + len(text[span.start:span.end].rstrip())
    start = cuts[-1][1] if cuts else span.start
    last = start + re.search(r"\S+$", text[start:end]).start()
    # the word as the span holds it: a span that ends inside it (`إمام ويس ب`) is not cut
    if len(text[start:end].split()) >= 3 and glued_conjunction(text[:end], last, lexicon, PREPOSITION, 4):
        cuts.append((last, last + 1))
    return cuts


def _keeps_whole(text: str, start: int, stop: int, lone_words: Collection[str],
                 joined: Collection[tuple[str, str]]) -> bool:
    """Whether cutting the piece that opens at ``start`` at ``stop`` would leave a lone type
    word before the cut, or part a joined pair."""
    before = text[start:stop].split()
    return not before or (len(before) == 1 and normalize(before[0]).text in lone_words) or (
        _pair_at(text, start, stop) in joined)


def _pair_at(text: str, start: int, stop: int) -> tuple[str, str]:
    """The last word of ``text[start:stop]`` and the word that opens at ``stop``, default-normalised."""
    return normalize(text[start:stop].split()[-1]).text, normalize(text[stop:word_end(text, stop + 1)]).text


def _whole(name: str) -> Span:
    return Span(0, len(name), "PLACE")


def _pieces(text: str, span: Span, lexicon: Collection[str], lone_words: Collection[str] = (),
            joined: Collection[tuple[str, str]] = ()) -> list[tuple[int, int]]:
    """``span`` cut at its :func:`_cut_points`, except where :func:`_keeps_whole` says no."""
    if span.label != "PLACE":
        return [(span.start, span.end)]
    pieces, start = [], span.start
    for stop, resume in _cut_points(text, span, lexicon):
        if not _keeps_whole(text, start, stop, lone_words, joined):
            pieces.append((start, start + len(text[start:stop].rstrip())))
            start = resume
    pieces.append((start, start + len(text[start:span.end].rstrip())))
    return pieces

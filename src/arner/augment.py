"""Seed augmentation: entity substitution and casualty-number rewriting.

One annotated sentence becomes many: each MILITIA or PLACE span may be swapped
for another gazetteer entry of the same kind, and each CASUALTY number rewritten
with another value in digits, Arabic-Indic digits or words. Everything outside
the spans (proclitics, the counted noun, strike and unit numbers that are not
casualties) is kept as written, so the model still sees those negatives.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from arner.gazetteers import Gazetteers
from arner.numbers import (
    ACCUSATIVE_SINGULAR_RANGE,
    PLURAL_RANGE,
    number_to_words,
    parse_number,
    to_arabic_indic,
)
from arner.spans import OUTSIDE, Document, Span
from arner.text import PROCLITICS, QUOTES, TATWEEL

DESCRIPTIVE_HEADS = ("الميليشيات", "ميليشيات", "المليشيات", "مليشيات", "الفصائل", "فصائل", "المجموعات", "الجماعات")
GENITIVE_BEFORE = {"عن", "من", "على", "إلى", "الى", "بين", "نحو", "حوالي", "قرابة"}
_WORD_EDGE = re.compile(r"[\s\u200e\u200f]")


@dataclass(frozen=True)
class AugmentOptions:
    """Probabilities and styles, usually taken from :class:`arner.config.DataConfig`."""

    substitute_militia: float = 0.9
    substitute_place: float = 0.9
    rewrite_casualty: float = 0.9
    number_styles: tuple[str, ...] = ("digits", "arabic_indic", "words")
    quote_mentions: float = 0.0
    tatweel_mentions: float = 0.0


def variant_rng(seed: int, source_id: str, variant: int) -> random.Random:
    """A generator that depends only on its inputs (never on PYTHONHASHSEED)."""
    return random.Random(zlib.crc32(f"{seed}:{source_id}:{variant}".encode("utf-8")))


def augment_document(
    doc: Document, gazetteers: Gazetteers, rng: random.Random, options: AugmentOptions
) -> Document:
    """One variant of ``doc``: every span possibly replaced, offsets recomputed.

    Mentions of state forces outside the spans are swapped too (and stay
    unlabelled), so the negatives vary as much as the militias do.
    """
    sites = sorted([*doc.spans, *state_force_sites(doc, gazetteers.state_forces)], key=lambda s: s.start)
    pieces = []
    for site in sites:
        surface = _replacement(doc.text, site, gazetteers, rng, options)
        lead, trail = "", ""
        if site.label in ("MILITIA", "PLACE"):
            lead, surface, trail = decorate_mention(doc.text, site, surface, rng, options)
        pieces.append((site, lead, surface, trail))
    return splice(doc, pieces)


def splice(doc: Document, pieces: Sequence[tuple[Span, str, str, str]]) -> Document:
    """``doc`` with each site (sorted, flat) rewritten as ``lead + surface + trail``:
    ``surface`` keeps the site's label (none for an ``O`` site), offsets recomputed.

    >>> doc = Document("d", "قصف حلب", (Span(4, 7, "PLACE"),))
    >>> new = splice(doc, [(doc.spans[0], '"', "حمص", '"')])
    >>> new.text, new.span_text(new.spans[0])
    ('قصف "حمص"', 'حمص')
    """
    parts: list[str] = []
    spans: list[Span] = []
    cursor = length = 0
    for site, lead, surface, trail in pieces:
        before = doc.text[cursor : site.start] + lead
        start = length + len(before)
        parts += [before, surface, trail]
        if site.label != OUTSIDE:
            spans.append(Span(start, start + len(surface), site.label))
        length = start + len(surface) + len(trail)
        cursor = site.end
    parts.append(doc.text[cursor:])
    return Document(doc.id, "".join(parts), tuple(spans), dict(doc.extra))


QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("«", "»"))
# Letters that join the next one, so a tatweel after them is written (never after ا د ذ ر ز و ة ى).
JOINING_LETTERS = frozenset("بتثجحخسشصضطظعغفقكلمنهيئ")


def decorate_mention(text: str, site: Span, surface: str, rng: random.Random,
                     options: AugmentOptions) -> tuple[str, str, str]:
    """``(lead, surface, trail)``: the mention possibly wrapped in quotes (outside the
    span, as the guidelines put them; after ``ل`` written ``لـ"...``) and possibly
    stretched with a tatweel inside a word (inside the span).

    >>> opts = AugmentOptions(quote_mentions=1.0, tatweel_mentions=1.0)
    >>> lead, surface, trail = decorate_mention("عناصر لحزب الله", Span(7, 15, "MILITIA"), "حزب الله", random.Random(0), opts)
    >>> lead.startswith("ـ"), surface.replace("ـ", ""), lead[-1] + trail in ('""', "“”", "«»")
    (True, 'حزب الله', True)
    """
    lead, trail = "", ""
    # Probabilities of 0 draw nothing, so configs without decoration keep their variants.
    if options.quote_mentions and rng.random() < options.quote_mentions and not _quoted(text, site, surface):
        opening, closing = rng.choice(QUOTE_PAIRS)
        lead = (TATWEEL if attached_prefix(text, site.start).endswith("ل") else "") + opening
        trail = closing
    if options.tatweel_mentions and rng.random() < options.tatweel_mentions:
        places = [i for i in range(1, len(surface)) if surface[i - 1] in JOINING_LETTERS and surface[i].isalpha()
                  and surface[i] != TATWEEL]
        if places:
            cut = rng.choice(places)
            surface = surface[:cut] + TATWEEL * rng.randint(1, 3) + surface[cut:]
    return lead, surface, trail


def _quoted(text: str, site: Span, surface: str) -> bool:
    """Whether quotes already stand at or around the mention."""
    around = text[site.start - 1 : site.start] + text[site.end : site.end + 1]
    return any(ch in QUOTES for ch in around + surface)


def state_force_sites(doc: Document, names: Sequence[str]) -> list[Span]:
    """Whole-word mentions of ``names`` outside every span, longest first.

    >>> doc = Document("d", "قتل 10 من قوات النظام وحزب الله", (Span(22, 30, "MILITIA"),))
    >>> [doc.text[s.start:s.end] for s in state_force_sites(doc, ["قوات النظام", "حزب الله"])]
    ['قوات النظام']
    """
    taken = [(s.start, s.end) for s in doc.spans]
    sites: list[Span] = []
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(name), doc.text):
            a, b = match.span()
            clear = all(b <= x or a >= y for x, y in taken)
            if clear and _word_edges(doc.text, a, b):
                sites.append(Span(a, b, OUTSIDE))  # a site that stays unlabelled (a state force)
                taken.append((a, b))
    return sites


def _word_edges(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is whole words (a proclitic may precede it)."""
    before = attached_prefix(text, start)
    return (before == "" or before in PROCLITICS) and (end == len(text) or not text[end].isalpha())


def _replacement(text: str, span: Span, gaz: Gazetteers, rng: random.Random, opt: AugmentOptions) -> str:
    surface = text[span.start : span.end]
    if span.label == OUTSIDE and rng.random() < opt.substitute_militia:
        return _pick(gaz.state_forces, text, span, rng) or surface
    if span.label == "MILITIA" and rng.random() < opt.substitute_militia:
        return _pick(militia_candidates(surface, gaz), text, span, rng) or surface
    if span.label == "PLACE" and rng.random() < opt.substitute_place:
        return _pick(place_candidates(surface, gaz), text, span, rng) or surface
    if span.label == "CASUALTY" and rng.random() < opt.rewrite_casualty:
        return rewrite_casualty(text, span, rng, opt.number_styles) or surface
    return surface


def militia_candidates(surface: str, gaz: Gazetteers) -> list[str]:
    """Descriptive mentions swap with descriptive or named ones; names with names."""
    named = gaz.militia_surfaces("named")
    if surface.startswith(DESCRIPTIVE_HEADS) or surface in gaz.militia_surfaces("descriptive"):
        return gaz.militia_surfaces("descriptive") + named
    return named


def place_candidates(surface: str, gaz: Gazetteers) -> list[str]:
    """Places of the same type, so that ``مدينة X`` stays a city and ``شرق X`` a region."""
    place_type = gaz.place_type(surface)
    if place_type is None:
        place_type = "region" if surface.startswith(("بادية", "ريف")) else "city"
    pool = gaz.places_of_type(place_type)
    return pool or gaz.places_of_type("city")


def attached_prefix(text: str, start: int) -> str:
    """The letters glued to the front of a span (its proclitics), e.g. ``و`` in ``وحزب``.

    >>> attached_prefix("قتل عناصر لحزب الله", 11)
    'ل'
    """
    word_start = start
    while word_start > 0 and not _WORD_EDGE.match(text[word_start - 1]):
        word_start -= 1
    return text[word_start:start]


def _pick(candidates: Sequence[str], text: str, span: Span, rng: random.Random) -> str | None:
    """A random candidate that keeps the proclitic before the span well-formed.

    After an attached ``ل`` the article's alef is written away (``ل`` + ``الموصل`` is
    ``للموصل``), which would move the span boundary; such candidates are avoided so
    the clitic stays exactly as in the seed.
    """
    prefix = attached_prefix(text, span.start)
    allowed = [c for c in candidates if not (prefix.endswith("ل") and c.startswith("ال"))]
    if prefix:
        allowed = [c for c in allowed if not c.startswith('"')]
    return rng.choice(allowed) if allowed else None


def rewrite_casualty(text: str, span: Span, rng: random.Random, styles: Sequence[str]) -> str | None:
    """A new value for a casualty number that keeps the counted noun grammatical.

    ``N من ...`` takes any count from 3; a singular accusative noun (``شخصاً``)
    needs 11-99; a plural noun after 3-10 keeps 3-10. Dual nouns (``عنصران``)
    carry the count themselves and are left alone.
    """
    surface = text[span.start : span.end]
    value = parse_number(surface)
    if value is None or (value == 2 and not any(ch.isdigit() for ch in surface)):
        return None
    following = _neighbour_word(text, span.end, forward=True)
    if following == "من":
        value = rng.randint(3, 150)
    elif following.endswith(("اً", "ًا")) or value in ACCUSATIVE_SINGULAR_RANGE:
        value = rng.choice(ACCUSATIVE_SINGULAR_RANGE)
    elif value in PLURAL_RANGE:
        value = rng.choice(PLURAL_RANGE)
    else:
        return None
    return render_number(value, rng.choice(list(styles)), _case_before(text, span.start))


def render_number(value: int, style: str, case: str = "nominative") -> str:
    """``value`` written in one of the styles ``digits``, ``arabic_indic``, ``words``.

    >>> render_number(57, "arabic_indic")
    '٥٧'
    """
    if style == "digits":
        return str(value)
    if style == "arabic_indic":
        return to_arabic_indic(value)
    if style == "words":
        return number_to_words(value, gender="masculine", case=case)
    raise ValueError(f"unknown number style {style!r}")


def _case_before(text: str, start: int) -> str:
    previous = _neighbour_word(text, start - len(attached_prefix(text, start)), forward=False)
    return "genitive" if previous in GENITIVE_BEFORE else "nominative"


def _neighbour_word(text: str, index: int, *, forward: bool) -> str:
    words = (text[index:] if forward else text[:index]).split()
    if not words:
        return ""
    return words[0 if forward else -1].strip("،,.؛:\"'()«»")

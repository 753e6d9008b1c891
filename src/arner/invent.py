"""Invented names: MILITIA and PLACE mentions renamed with names no list holds.

Gazetteer substitution teaches names; a model trained on it leans on them and
misses names it has never read. Renaming a share of the written corpus's
mentions, in place, with names built from Arabic roots and patterns (``تل`` + a
made-up word, ``لواء`` + ``ال`` + a made-up word, a nisba plural like the
Houthis' name) leaves the context as the only evidence for those spans.

A mention keeps what the guidelines put inside the span besides the name: the
head word of a region, facility or group name (``ريف``, ``مطار``, ``لواء``) and
a direction adjective after it. Mentions with digits, quotes or other
non-letters, and descriptive mentions (``الميليشيات الإيرانية``), are left as
written. One surface gets one invented name throughout a document.
"""

from __future__ import annotations

import random
from collections.abc import Collection

from arner.augment import DESCRIPTIVE_HEADS, attached_prefix, splice
from arner.spans import Document, Span
from arner.text import DIRECTION_ADJECTIVES

# Root consonants: the weak letters and hamza forms are left out so that every
# pattern below spells a word that could be read aloud.
ROOT_LETTERS = "بتثجحخدذرزسشصضطظعغفقكلمن"
# Letters made at one place in the mouth rarely share a root: roots drawing two of
# one group are redrawn, which keeps clusters like ظص out of the invented words.
ARTICULATION_GROUPS = ("صضطظ", "سشصزثذ", "تدطض", "حخعغ", "قكغخ", "بمف", "جش", "لنر", "ثذظ")
# Patterns over three root letters (1, 2, 3), shapes common in place names:
# فُعَيْل, فُعَيْلة, فعّالة, مَفْعَلة, فاعول, فَعْلان, فواعل, فَعْليّة, تَفْعَل.
PLACE_PATTERNS = ("12ي3", "12ي3ة", "12ا3ة", "م123ة", "1ا2و3", "123ان", "1وا23", "123ية", "ت123")
# First words of compound village names: تل X, دير X, كفر X ...
COMPOUND_HEADS = ("تل", "دير", "كفر", "عين", "بئر", "خربة", "أم", "جسر", "رأس", "بيت", "حوش", "مزرعة")
# Words inside a PLACE span before its name (guidelines section 5): kept as written.
PLACE_HEADS = frozenset({
    "ريف", "أرياف", "بادية", "مطار", "معسكر", "قاعدة", "معبر", "سد", "حقل", "جبل", "سهل", "وادي",
    "مستشفى", "شارع", "جسر", "دوار", "حاجز", "ثكنة", "صحراء", "جزيرة", "إقليم", "محطة", "ميناء",
    "قطاع", "مرتفعات", "ساحة", "سجن", "مرفأ", "بحيرة",
})
# Words that head a group's name (guidelines sections 3 and 9): kept as written.
MILITIA_HEADS = frozenset({
    "لواء", "ألوية", "كتائب", "كتيبة", "سرايا", "فرقة", "حركة", "جبهة", "جيش", "قوات", "تجمع", "حزب",
    "تنظيم", "منظمة", "عصائب", "تيار", "هيئة", "فيلق", "فوج", "مجلس", "جماعة", "ميليشيا", "مليشيا",
    "فصيل", "غرفة", "قوة", "اتحاد", "تحالف", "أنصار",
})
GIVEN_NAMES = ("محمد", "علي", "حسين", "حسن", "عباس", "عمر", "خالد", "زيد", "جعفر", "حمزة", "سعد", "مصعب")


def invented_root(rng: random.Random) -> list[str]:
    """Three root letters, no two made at one place in the mouth."""
    root = rng.sample(ROOT_LETTERS, 3)
    while any(sum(ch in group for ch in root) > 1 for group in ARTICULATION_GROUPS):
        root = rng.sample(ROOT_LETTERS, 3)
    return root


def invented_word(rng: random.Random) -> str:
    """A made-up word: three root letters poured into a place-name pattern.

    >>> all(ch.isalpha() for ch in invented_word(random.Random(0)))
    True
    """
    root = invented_root(rng)
    return "".join(root[int(ch) - 1] if ch.isdigit() else ch for ch in rng.choice(PLACE_PATTERNS))


def invent_place(rng: random.Random, *, article: bool = True) -> str:
    """A village-like name: one made-up word (often with ``ال``) or ``تل`` + one."""
    if rng.random() < 0.3:
        return f"{rng.choice(COMPOUND_HEADS)} {_with_article(invented_word(rng), rng, 0.6)}"
    return _with_article(invented_word(rng), rng, 0.5 if article else 0.0)


def invent_militia_tail(rng: random.Random) -> str:
    """What follows a group's head word: ``الفريجة``, ``الشهيد حمزة``, ``أبو زيد``."""
    draw = rng.random()
    if draw < 0.2:
        return f"الشهيد {rng.choice(GIVEN_NAMES)}"
    if draw < 0.35:
        return f"أبو {rng.choice(GIVEN_NAMES)}"
    return "ال" + invented_word(rng)


def invent_like(surface: str, label: str, rng: random.Random, *, article: bool = True) -> str | None:
    """A new name shaped like ``surface`` (head word and direction adjective kept), or
    None where the mention is left as written.

    >>> rng = random.Random(3)
    >>> words = invent_like("ريف حلب الشمالي", "PLACE", rng).split()
    >>> words[0], words[-1], "حلب" in words
    ('ريف', 'الشمالي', False)
    >>> invent_like("لواء \\"فاطميون\\"", "MILITIA", rng) is None
    True
    """
    words = surface.split()
    if not words or not all(ch.isalpha() or ch == " " for ch in surface):
        return None
    if label == "MILITIA" and surface.startswith(DESCRIPTIVE_HEADS):
        return None
    heads = PLACE_HEADS if label == "PLACE" else MILITIA_HEADS
    head = words[0] if len(words) > 1 and words[0] in heads else ""
    tail = words[-1] if len(words) > 1 and words[-1] in DIRECTION_ADJECTIVES else ""
    if label == "PLACE":
        name = invent_place(rng, article=article or bool(head))
    elif head:
        name = invent_militia_tail(rng)
    else:
        name = _bare_group_name(surface, rng, article)
    return " ".join(part for part in (head, name, tail) if part)


def _bare_group_name(surface: str, rng: random.Random, article: bool) -> str:
    """A one-word group name; a nisba plural (``الحوثيين``) stays a nisba plural."""
    word = invented_word(rng)
    for ending in ("يون", "يين"):
        if surface.endswith(ending):
            word = "".join(invented_root(rng)) + ending
    return _with_article(word, rng, 0.5 if article else 0.0)


def _with_article(word: str, rng: random.Random, probability: float) -> str:
    return "ال" + word if rng.random() < probability else word


def rename_mentions(doc: Document, rate: float, rng: random.Random, avoid: Collection[str] = ()) -> Document:
    """``doc`` with each distinct MILITIA or PLACE surface renamed with probability
    ``rate`` (the same invented name at each of its mentions), offsets recomputed.

    ``avoid`` holds names that must not be invented (the gazetteers' and the
    corpus's own), so that an invented name is never a real one by accident.

    >>> doc = Document("d", "قصف على تل رفعت ثم على تل رفعت", (Span(8, 15, "PLACE"), Span(23, 30, "PLACE")))
    >>> new = rename_mentions(doc, 1.0, random.Random(1))
    >>> [new.text[s.start:s.end] for s in new.spans][0] == [new.text[s.start:s.end] for s in new.spans][1]
    True
    """
    if rate <= 0:
        return doc
    names: dict[tuple[str, str], str | None] = {}
    pieces = []
    for span in sorted(doc.spans, key=lambda s: s.start):
        surface = doc.text[span.start : span.end]
        key = (span.label, surface)
        if key not in names:
            names[key] = _draw(surface, span, doc.text, rate, rng, avoid)
        pieces.append((span, "", names[key] or surface, ""))
    return splice(doc, pieces)


def _draw(surface: str, span: Span, text: str, rate: float, rng: random.Random,
          avoid: Collection[str]) -> str | None:
    if span.label not in ("MILITIA", "PLACE") or rng.random() >= rate:
        return None
    # After a glued ل the article's alef is not written, so an invented ال-name would
    # move the span's start: such mentions get names without the article.
    article = not attached_prefix(text, span.start).endswith("ل")
    for _ in range(5):
        name = invent_like(surface, span.label, rng, article=article)
        if name is None or name not in avoid:
            return name
    return None

"""Character noise that real Arabic news carries and written training text rarely does.

Each perturbation rewrites a gold document character by character and carries its
spans to the new offsets; spans predicted on the noisy copy map back onto the
original text (:meth:`Perturbed.to_original`), so noisy and clean readings are
scored against the same gold and can be compared document by document. A character
added after a letter belongs to that letter (a diacritic or tatweel inside a name
stays inside its span); marks added after a space belong to the space, so they sit
between words, outside any span that starts there.

- ``tatweel``: stretches words the way headlines and emphasis do (``ميليـــشيا``);
- ``broken``: breaks a word with a space between two tatweels (``قسـ ـد``,
  ``مقتـ ـل``), as outlets do to slip words past platform filters;
- ``dotted``: breaks a word with one or two full stops after a tatweel (``قـ.وات``,
  ``السـ..ريع``), the same habit as some Sudanese outlets write it;
- ``diacritics``: short vowels, shadda and tanween on some letters (``قُتِلَ``, ``حزبُ``);
- ``persian``: Persian yeh and keheh typed for Arabic ya and kaf (``ی``, ``ک``),
  as text from a Persian or Kurdish keyboard has them;
- ``invisibles``: right-to-left marks and zero-width non-joiners after spaces, as
  web pages and word processors leave them;
- ``hamza``: alef written without its hamza or madda (``اسرائيل``, ``الى``), as
  hurried typing has it;
- ``final_ya``: final ``ي`` and ``ى`` swapped (``فى``, ``علي``), as Egyptian
  spelling and careless typing have them;
- ``spacing``: the space after a comma or full stop dropped, or one put before it
  (``البوكمال ،ثم``);
- ``militia_spelling``: a ``ي`` of ``ميليشيا``/``ميليشيات`` left out (``مليشيا``,
  ``ميلشيا``, ``ميليشا``), as many outlets spell it.

A writer keeps a habit through a whole text: :func:`respell_documents` rewrites a
share of training documents whole in one of :data:`SPELLING_HABITS`, so a model also
learns names and contexts as such writers spell them.

The first six are noise that :func:`arner.encoders.sources.normalizer_for`
``("light")`` removes; ``hamza``, ``final_ya`` and ``militia_spelling`` are
spellings it keeps as written; ``spacing`` never reaches a model, whose words are
cut at punctuation.

>>> from arner.spans import Document, Span
>>> doc = Document("d", "قصف على دير الزور", (Span(8, 17, "PLACE"),))
>>> noisy = perturb_document(doc, "persian", rate=1.0, seed=0).noisy
>>> noisy.text, noisy.span_text(noisy.spans[0])
('قصف علی دیر الزور', 'دیر الزور')
"""

from __future__ import annotations

import bisect
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arner.augment import JOINING_LETTERS
from arner.spans import Document, Span
from arner.text import TATWEEL

# Fatha, damma, kasra, sukun, shadda; tanween fath, damm, kasr.
HARAKAT = "\u064e\u064f\u0650\u0652\u0651\u064b\u064c\u064d"
PERSIAN_LETTERS = {"ي": "ی", "ى": "ی", "ك": "ک"}
INVISIBLE_MARKS = ("\u200f", "\u200c")
HAMZA_ALEFS = "أإآ"
FINAL_YA = {"ي": "ى", "ى": "ي"}
SPACED_PUNCTUATION = "،,؛:."
_ARABIC_LETTER_RANGE = (0x0621, 0x064A)
# Each ي of ميليشي that writers leave out, as (letters before it, letters after it);
# the third only in the singular (ميليشا).
_MILITIA_YA_CONTEXTS = (("م", "ليشي"), ("ميل", "شي"), ("ميليش", "ا"))
SPELLING_HABITS = ("hamza", "final_ya", "militia_spelling")

# One rewrite per perturbation: the character, its index, the text and the random
# source give the string that replaces it: the character with anything added, another
# character, or nothing (a dropped space).
Rewrite = Callable[[str, int, str, random.Random, float], str]


def _is_letter(char: str) -> bool:
    return _ARABIC_LETTER_RANGE[0] <= ord(char) <= _ARABIC_LETTER_RANGE[1] and char != TATWEEL


def _stretch(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    joins_next = i + 1 < len(text) and _is_letter(text[i + 1])
    if char in JOINING_LETTERS and joins_next and rng.random() < rate:
        return char + TATWEEL * rng.randint(1, 3)
    return char


def _inside_word(char: str, i: int, text: str) -> bool:
    """A joining letter with letters on both sides: a word may be broken after it."""
    joins_next = i + 1 < len(text) and _is_letter(text[i + 1])
    return char in JOINING_LETTERS and i > 0 and _is_letter(text[i - 1]) and joins_next


def _break(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if _inside_word(char, i, text) and rng.random() < rate:
        return char + TATWEEL + " " + TATWEEL
    return char


def _dot(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if _inside_word(char, i, text) and rng.random() < rate:
        return char + TATWEEL + "." * rng.randint(1, 2)
    return char


def _vocalise(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if _is_letter(char) and rng.random() < rate:
        return char + rng.choice(HARAKAT)
    return char


def _persianise(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if char in PERSIAN_LETTERS and rng.random() < rate:
        return PERSIAN_LETTERS[char]
    return char


def _drop_hamza(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    return "ا" if char in HAMZA_ALEFS and rng.random() < rate else char


def _swap_final_ya(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    final = i + 1 == len(text) or not _is_letter(text[i + 1])
    if char in FINAL_YA and final and i > 0 and _is_letter(text[i - 1]) and rng.random() < rate:
        return FINAL_YA[char]
    return char


def _respace(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if char == " " and i > 0 and text[i - 1] in SPACED_PUNCTUATION and rng.random() < rate:
        return ""
    if char in SPACED_PUNCTUATION and i > 0 and _is_letter(text[i - 1]) and rng.random() < rate:
        return " " + char
    return char


def _drop_militia_ya(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    """Leaves out one ي of an occurrence of ميليشي: which one follows from where the word
    starts, so that no occurrence loses two."""
    if char != "ي":
        return char
    for k, (before, after) in enumerate(_MILITIA_YA_CONTEXTS):
        start = i - len(before)  # every context begins at the word's م
        if text.startswith(before, start) and text.startswith(after, i + 1):
            choices = 2 if text.startswith("ميليشيات", start) else len(_MILITIA_YA_CONTEXTS)
            return "" if k == start % choices and rng.random() < rate else char
    return char


def _mark(char: str, i: int, text: str, rng: random.Random, rate: float) -> str:
    if char == " " and rng.random() < rate:
        return char + rng.choice(INVISIBLE_MARKS)
    return char


PERTURBATIONS: dict[str, Rewrite] = {
    "tatweel": _stretch,
    "broken": _break,
    "dotted": _dot,
    "diacritics": _vocalise,
    "persian": _persianise,
    "invisibles": _mark,
    "hamza": _drop_hamza,
    "final_ya": _swap_final_ya,
    "spacing": _respace,
    "militia_spelling": _drop_militia_ya,
}


@dataclass(frozen=True)
class Perturbed:
    """A gold document and its noisy copy; ``starts[i]`` is where raw character ``i`` begins in it."""

    original: Document
    noisy: Document
    starts: tuple[int, ...]

    def to_original(self, predicted: Document) -> Document:
        """Spans predicted on the noisy text, moved onto the original text.

        A span covers every original character whose rewrite it touches, so
        predictions are scored against the unchanged gold.
        """
        spans = []
        for span in predicted.spans:
            start = bisect.bisect_right(self.starts, span.start) - 1
            end = bisect.bisect_right(self.starts, span.end - 1)
            spans.append(Span(start, end, span.label, span.extra))
        return Document(self.original.id, self.original.text, tuple(spans), predicted.extra)


def perturb_document(doc: Document, kind: str, *, rate: float, seed: int) -> Perturbed:
    """``doc`` and a copy with ``kind`` noise at ``rate`` per eligible character.

    The random draws depend only on ``seed``, ``kind`` and the document id, so a
    document is perturbed the same way whatever else is in the set.
    """
    if kind not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {kind!r}; choose from {sorted(PERTURBATIONS)}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"perturbation rate must be in [0, 1], got {rate}")
    rng = random.Random(zlib.crc32(f"{seed}:{kind}:{doc.id}".encode("utf-8")))
    rewrite = PERTURBATIONS[kind]
    pieces = [rewrite(char, i, doc.text, rng, rate) for i, char in enumerate(doc.text)]
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    text = "".join(pieces)
    spans = [_moved(s, starts, text) for s in doc.spans]
    return Perturbed(doc, Document(doc.id, text, tuple(spans), doc.extra), tuple(starts))


def _moved(span: Span, starts: Sequence[int], text: str) -> Span:
    start, end = starts[span.start], starts[span.end]
    extra = {**span.extra, "text": text[start:end]} if "text" in span.extra else span.extra
    return Span(start, end, span.label, extra)


def perturb_documents(docs: Sequence[Document], kind: str, *, rate: float, seed: int = 0) -> list[Perturbed]:
    """:func:`perturb_document` over a set."""
    return [perturb_document(doc, kind, rate=rate, seed=seed) for doc in docs]


def respell_documents(docs: Sequence[Document], share: float, seed: int) -> list[Document]:
    """``docs`` with about ``share`` of them rewritten whole in one spelling habit each.

    Which documents and which habit depend only on ``seed`` and each document's id;
    a respelled document keeps its id and notes the habit in ``extra["respelled"]``.

    >>> doc = Document("d", "قصف الميليشيات على إدلب")
    >>> respell_documents([doc], 1.0, seed=0)[0].text
    'قصف الميليشيات علي إدلب'
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"respelled share must be in [0, 1], got {share}")
    out = []
    for doc in docs:
        rng = random.Random(zlib.crc32(f"{seed}:respell:{doc.id}".encode("utf-8")))
        if rng.random() >= share:
            out.append(doc)
            continue
        habit = rng.choice(SPELLING_HABITS)
        noisy = perturb_document(doc, habit, rate=1.0, seed=seed).noisy
        out.append(Document(noisy.id, noisy.text, noisy.spans, {**noisy.extra, "respelled": habit}))
    return out

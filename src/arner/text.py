"""Offset-keeping Arabic text layer: normalisation, tokens and sentences.

Spans in arner are character offsets into the *raw* text, so every function
here either works on the raw text directly (:func:`tokenize`,
:func:`sentences`) or keeps an exact map back to it (:func:`normalize`).

>>> norm = normalize("قُتِلَ ٢٦ عنصراً")
>>> norm.text
'قتل 26 عنصرا'
>>> norm.to_raw(4, 6)
(7, 9)
>>> [t.text for t in tokenize("وحزب الله، و4 من «داعش».", split_clitics=True, lexicon={"حزب"})]
['و', 'حزب', 'الله', '،', 'و', '4', 'من', '«', 'داعش', '»', '.']
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "PROCLITICS",
    "NormalizeOptions",
    "Normalized",
    "NormalizedToken",
    "Token",
    "normalize",
    "sentences",
    "tokenize",
    "without_marks",
]

TATWEEL = "\u0640"
_ALEFS = "أإآٱٲٳ"
_DIGITS = {chr(0x0660 + d): str(d) for d in range(10)} | {chr(0x06F0 + d): str(d) for d in range(10)}
# Harakat, tanwin, shadda, sukun, superscript alef and the Quranic annotation
# marks; every code point in these ranges is a combining mark (category Mn).
_DIACRITIC_RANGES = (
    (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC),
    (0x06DF, 0x06E4), (0x06E7, 0x06E8), (0x06EA, 0x06ED), (0x08CA, 0x08E1), (0x08E3, 0x08FF),
)
# Combining madda/hamza: decomposed input (ا + ٓ) would otherwise lose the
# hamza when diacritics are stripped, and never match precomposed آ أ ؤ ئ.
_COMPOSING = "\u0653\u0654\u0655"
# ZWNJ/ZWJ join parts of one word (Persian, emoji), so they never split tokens.
_JOINERS = "\u200c\u200d"


@dataclass(frozen=True)
class NormalizeOptions:
    """Switches for :func:`normalize`; each maps or removes single characters.

    ``persian`` folds Persian keheh and Farsi yeh (ک ی) to Arabic ك ي;
    ``invisibles`` removes format characters (Unicode Cf: bidi marks, zero-width
    space/joiners, BOM); ``compose`` merges a letter with a following combining
    madda/hamza (U+0653-U+0655) into the precomposed letter before the other
    rules run. ``alef`` also folds the rare wavy-hamza alefs ٲ ٳ. ``hashtags`` reads
    an underscore between two letters as a space, as in ``#دير_الزور``.
    ``spaced_letters`` joins a word spelt out letter by letter (``د اع ش``).
    """

    tatweel: bool = True
    diacritics: bool = True
    alef: bool = True
    ya: bool = True
    ta_marbuta: bool = False
    digits: bool = True
    persian: bool = True
    invisibles: bool = True
    compose: bool = True
    hashtags: bool = True
    spaced_letters: bool = True


@dataclass(frozen=True)
class Normalized:
    """A normalised text with an exact map back to the raw text.

    ``offsets[i]`` is the raw index of the character that normalised char ``i``
    came from. Removed characters (diacritics, tatweel, invisibles) belong to
    the kept character before them, so ``raw[offsets[i]:offsets[i + 1]]`` is
    char ``i`` plus whatever was removed after it. Removed characters before the
    first kept one belong to no normalised character.
    """

    raw: str
    text: str
    offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text) + 1 or self.offsets[-1] != len(self.raw):
            raise ValueError(
                f"offsets must have len(text) + 1 = {len(self.text) + 1} entries ending at "
                f"len(raw) = {len(self.raw)}; got {len(self.offsets)} ending at {self.offsets[-1:]}"
            )

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map normalised ``[start, end)`` to the raw range it came from.

        The raw range starts at the first character's base letter and ends after
        the last character's removed diacritics and tatweel (they belong to that
        letter), but not after trailing invisible format marks, which belong to
        no letter. So mapping a whole word gives the whole raw word. An empty
        range maps to the empty range where normalised char ``start`` begins.

        >>> n = normalize("حِزْبُ الله")
        >>> n.to_raw(0, 3), n.raw[0:6]
        ((0, 6), 'حِزْبُ')
        """
        _check_range(start, end, len(self.text), "normalised")
        raw_start = self.offsets[start]
        if start == end:
            return raw_start, raw_start
        raw_end = self.offsets[end]
        while raw_end - 1 > self.offsets[end - 1] and _is_format(self.raw[raw_end - 1]):
            raw_end -= 1
        return raw_start, raw_end

    def to_norm(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """Map raw ``[raw_start, raw_end)`` to a normalised range.

        A normalised character is inside iff its base raw character is, so
        ``to_norm(*to_raw(s, e)) == (s, e)``.

        >>> normalize("حِزْبُ الله").to_norm(0, 6)
        (0, 3)
        """
        _check_range(raw_start, raw_end, len(self.raw), "raw")
        return bisect_left(self.offsets, raw_start), bisect_left(self.offsets, raw_end)


def _check_range(start: int, end: int, length: int, what: str) -> None:
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= length):
        raise ValueError(f"{what} range [{start!r}, {end!r}) is not within [0, {length}]")


def _require_str(text: object, caller: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{caller}() needs a str, got {type(text).__name__}: {text!r:.60}")


def _is_format(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


@lru_cache(maxsize=32)
def _table(options: NormalizeOptions) -> dict[str, str]:
    """Character -> replacement ('' removes it) for the switches that are on."""
    table: dict[str, str] = {}
    if options.diacritics:
        for low, high in _DIACRITIC_RANGES:
            table.update((chr(c), "") for c in range(low, high + 1))
    if options.tatweel:
        table[TATWEEL] = ""
    if options.alef:
        table.update((a, "ا") for a in _ALEFS)
    if options.ya:
        table["ى"] = "ي"
    if options.ta_marbuta:
        table["ة"] = "ه"
    if options.digits:
        table.update(_DIGITS)
    if options.persian:
        table.update({"ک": "ك", "ی": "ي"})
    return table


def _unit(text: str, i: int, compose: bool) -> str:
    """The raw unit at ``i``: one char, or a letter + combining hamza/madda pair."""
    pair = text[i : i + 2]
    if compose and len(pair) == 2 and pair[1] in _COMPOSING:
        composed = unicodedata.normalize("NFC", pair)
        if len(composed) == 1:
            return pair
    return text[i]


# Spaces with a tatweel on each side: some outlets break words that platforms filter
# that way (قسـ ـد, مقتـ ـل), and no word begins with a tatweel.
_BROKEN_WORD_SPACES = re.compile(f"(?<={TATWEEL}) +(?={TATWEEL})")
# Full stops after a tatweel, before a letter: the same habit with dots (قـ.وات الدعـ.م
# السـ..ريع, مقـ.تل). A sentence never ends on a tatweel, so such dots end nothing.
_BROKEN_WORD_DOTS = re.compile(f"(?<={TATWEEL})\\.+(?=[{TATWEEL}\u0621-\u064A])")
# Three or more pieces of one or two Arabic letters, a single space apart.
_SPACED_RUN = re.compile(r"(?<!\w)[\u0621-\u064A]{1,2}(?: [\u0621-\u064A]{1,2}){2,}(?!\w)")
_PIECE = re.compile(r"\S+")
# Words of one or two letters that may stand beside a spelt-out word: never part of it.
_SHORT_WORDS = frozenset("و في من عن لا ما لم لن قد أو او إن ان أن هو هي مع ثم يا بل كي لو إذ اذ كم".split())


def _spaced_letter_gaps(text: str) -> set[int]:
    """Spaces inside words spelt out letter by letter to slip past platform filters
    (``د اع ش``, ``د ا ع ش``): runs of three or more short pieces, two of them lone
    letters, after short words (``في``, ``و``) are cut off their edges and split them.
    """
    gaps: set[int] = set()
    for match in _SPACED_RUN.finditer(text):
        pieces = [(m.start(), m.group()) for m in _PIECE.finditer(text, match.start(), match.end())]
        run: list[tuple[int, str]] = []
        # a short word after the last piece closes the last run like any other
        for piece in [*pieces, (match.end(), "و")]:
            if piece[1] not in _SHORT_WORDS:
                run.append(piece)
                continue
            if len(run) >= 3 and sum(len(p) == 1 for _, p in run) >= 2:
                gaps.update(start + len(p) for start, p in run[:-1])
            run = []
    return gaps


def _inner_breaks(text: str, options: NormalizeOptions) -> frozenset[int]:
    """Indices of the spaces and dots inside one word, which :func:`normalize` removes:
    words broken by spaces between two tatweels or by dots after one (with ``tatweel``)
    and spelt out letter by letter (with ``spaced_letters``)."""
    breaks = _spaced_letter_gaps(text) if options.spaced_letters else set()
    if options.tatweel:
        for pattern in (_BROKEN_WORD_SPACES, _BROKEN_WORD_DOTS):
            breaks.update(i for m in pattern.finditer(text) for i in range(m.start(), m.end()))
    return frozenset(breaks)


def _joins_letters(text: str, i: int) -> bool:
    """A letter (or tatweel) on each side of ``text[i]``."""
    return 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()


def normalize(text: str, options: NormalizeOptions = NormalizeOptions()) -> Normalized:
    """Normalise Arabic text for matching, keeping offsets into the raw text.

    Every raw character is kept as one character, replaced by one, or removed;
    nothing is ever expanded, so offsets are strictly increasing. With ``tatweel``
    on, a word broken by a space between two tatweels or by dots after one is joined
    again, and with ``spaced_letters`` one spelt out letter by letter.

    >>> normalize("أُطلِقَ ١٠ صواريخ على إسرائيـل").text
    'اطلق 10 صواريخ علي اسرائيل'
    >>> normalize("مدينة", NormalizeOptions(ta_marbuta=True)).text
    'مدينه'
    >>> normalize("ميليشيا قسـ ـد في ريف #دير_الزور وخلايا د ا ع ش").text
    'ميليشيا قسد في ريف #دير الزور وخلايا داعش'
    >>> normalize("هجوم لقـ.وات الدعـ.م السـ..ريع. ثم").text
    'هجوم لقوات الدعم السريع. ثم'
    """
    _require_str(text, "normalize")
    if not isinstance(options, NormalizeOptions):
        raise TypeError(f"normalize() options must be NormalizeOptions, got {options!r}")
    table = _table(options)
    chars: list[str] = []
    offsets: list[int] = []
    inner_breaks = _inner_breaks(text, options)
    i = 0
    while i < len(text):
        if i in inner_breaks:
            i += 1
            continue
        unit = _unit(text, i, options.compose)
        char = unicodedata.normalize("NFC", unit) if len(unit) == 2 else unit
        char = table.get(char, char)
        if char == "_" and options.hashtags and _joins_letters(text, i):
            char = " "
        if char and not (options.invisibles and _is_format(char)):
            chars.append(char)
            offsets.append(i)
        i += len(unit)
    offsets.append(len(text))
    return Normalized(text, "".join(chars), tuple(offsets))


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    """A raw surface ``text == raw[start:end]``; ``clitic`` marks a split-off proclitic."""

    text: str
    start: int
    end: int
    clitic: bool = False

    def __post_init__(self) -> None:
        if self.start < 0 or self.end - self.start != len(self.text) or not self.text:
            raise ValueError(f"bad token {self.text!r} at [{self.start}, {self.end})")


@dataclass(frozen=True)
class NormalizedToken(Token):
    """A token of a :class:`Normalized` text on the raw range it came from: ``text``
    is the normalised surface, so its length may differ from ``end - start``."""

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start or not self.text:
            raise ValueError(f"bad token {self.text!r} at raw [{self.start}, {self.end})")


PROCLITICS: tuple[str, ...] = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
QUOTES = "\"'“”‘’«»„‹›"


def line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at line breaks: a headline and the dateline under it are two
    lines, never one name, whatever a model that cannot see the break predicted.

    >>> text = "غارة قرب كركوك\\nسنجار – قال"
    >>> [text[a:b] for a, b in line_pieces(text, 9, 20)]
    ['كركوك', 'سنجار']
    """
    pieces, piece_start = [], start
    for i in range(start, end):
        if text[i] in LINE_BREAKS:
            pieces.append((piece_start, i))
            piece_start = i + 1
    pieces.append((piece_start, end))
    return [(a, b) for a, b in pieces if a < b]


def word_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of the whitespace-separated words of ``text[start:end]``.

    >>> text = "قتل جنديين اثنين"
    >>> [text[a:b] for a, b in word_ranges(text, 4, len(text))]
    ['جنديين', 'اثنين']
    """
    return [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]


def with_closing_quote(text: str, start: int, end: int) -> int:
    """``end``, moved past a quote that closes one opened inside ``[start, end)``:
    a name with inner quotes (``لواء "فاطميون"``) is whole only with both.

    >>> text = 'لواء "فاطميون" في تدمر'
    >>> text[:with_closing_quote(text, 0, 13)], with_closing_quote(text, 15, 17)
    ('لواء "فاطميون"', 17)
    """
    if sum(ch in QUOTES for ch in text[start:end]) % 2 and end < len(text) and text[end] in QUOTES:
        return end + 1
    return end


def with_opening_quote(text: str, start: int, end: int) -> int:
    """``start``, moved back onto a quote that opens one closed inside ``[start, end)``,
    as :func:`with_closing_quote` does at the other end (``"مجلس تل تمر" العسكري``).

    >>> text = 'قوات "مجلس تل تمر" العسكري'
    >>> text[with_opening_quote(text, 6, len(text)):]
    '"مجلس تل تمر" العسكري'
    """
    if sum(ch in QUOTES for ch in text[start:end]) % 2 and start > 0 and text[start - 1] in QUOTES:
        return start - 1
    return start
NUMBER_SEPARATORS = ",.٬٫"
# Words that begin with a proclitic letter + ال but whose first letter is part
# of the stem (والد "father", بالستية "ballistic", كلاشنكوف ...). Only the ال
# rule consults these; a lexicon entry still wins.
_STEM_WORDS = frozenset(
    "والدها والدته والدتها والدتي والدهم والدين والدان والداه بالغين بالغون وكالتها وكالتهم".split()
)
_STEM_PREFIXES = ("بالست", "باليست", "كالاش", "بالون", "فالنس")

_SPACE, _DROP, _MARK, _DIGIT, _WORD, _OTHER = range(6)


def _kind(char: str) -> int:
    """Token role of one character."""
    if char.isspace():
        return _SPACE
    if char in _JOINERS:
        return _MARK
    category = unicodedata.category(char)
    if category == "Cf":
        return _DROP  # bidi marks, zero-width space, BOM: dropped, act as a break
    if category[0] == "M":
        return _MARK
    if category == "Nd":
        return _DIGIT
    return _WORD if category[0] in "LN" else _OTHER


def _joins_number(text: str, j: int) -> bool:
    """True for a separator between two digits (1,200 ١٬٢٠٠ 2.5)."""
    return (
        text[j] in NUMBER_SEPARATORS
        and 0 < j < len(text) - 1
        and _kind(text[j - 1]) == _DIGIT
        and _kind(text[j + 1]) == _DIGIT
    )


def _chunk_end(text: str, i: int) -> tuple[int, bool]:
    """End of the token starting at ``i`` and whether it is a word (not punctuation)."""
    j = i + 1
    if _kind(text[i]) == _OTHER:  # one-char token, plus any marks on it (emoji + VS16)
        while j < len(text) and _kind(text[j]) == _MARK:
            j += 1
        return j, False
    while j < len(text) and (_kind(text[j]) in (_WORD, _DIGIT, _MARK) or _joins_number(text, j)):
        if _glued_number_edge(text, j):
            break
        j += 1
    return j, True


def _is_arabic_letter(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" and char.isalpha() and char != TATWEEL


def _glued_number_edge(text: str, j: int) -> bool:
    """True between an Arabic letter and a digit written against it (``مقتل121``,
    ``13شخصا``, ``الـ200``): two words, so that a count is a word of its own. Latin
    letters keep their digits (``T2``, ``M4``)."""
    k = j - 1
    while k > 0 and _kind(text[k]) == _MARK:  # a harakah belongs to the letter before it
        k -= 1
    # A tatweel ends a word before digits (الـ200) but only stretches the digits after them.
    return (_kind(text[k]) == _DIGIT and _is_arabic_letter(text[j])) or (
        _kind(text[j]) == _DIGIT and (_is_arabic_letter(text[k]) or text[k] == TATWEEL))


def _chunks(text: str) -> Iterator[tuple[int, int, bool]]:
    i = 0
    while i < len(text):
        if _kind(text[i]) in (_SPACE, _DROP):
            i += 1
            continue
        end, is_word = _chunk_end(text, i)
        yield i, end, is_word
        i = end


def without_marks(word: str) -> str:
    """``word`` without harakat and tatweel, its letters as written (no folding)."""
    return _skeleton(word)[0]


def _skeleton(word: str) -> tuple[str, list[int]]:
    """The word without marks and tatweel, and each kept char's index in ``word``."""
    kept = [(i, c) for i, c in enumerate(word) if _kind(c) != _MARK and c != TATWEEL]
    return "".join(c for _, c in kept), [i for i, _ in kept]


def _letters(s: str) -> int:
    return sum(c.isalpha() for c in s)


def _is_stem(word: str) -> bool:
    return word in _STEM_WORDS or word.startswith(_STEM_PREFIXES)


def _has_article(clitic: str, rest: str) -> bool:
    """``rest`` starts with ال and at least 3 letters follow it (بال+إضافة)."""
    return rest.startswith("ال") and _letters(rest[2:]) >= 3 and not _is_stem(clitic + rest)


def _has_elided_article(clitic: str, rest: str) -> bool:
    """ل + ال is written لل: للقوات = ل + لقوات, the article's alef elided."""
    return clitic.endswith("ل") and rest.startswith("ل") and _letters(rest[1:]) >= 3


def _in_lexicon(clitic: str, rest: str, lexicon: Collection[str]) -> bool:
    """``rest`` (as written or default-normalised, or with its elided alef) is a lexicon word."""
    if not lexicon:
        return False
    candidates = [rest]
    if clitic.endswith("ل") and rest.startswith("ل"):
        candidates.append("ا" + rest)
    return any(c in lexicon or normalize(c).text in lexicon for c in candidates)


def _safe_rest(clitic: str, rest: str, lexicon: Collection[str]) -> bool:
    # A digit never follows a proclitic inside one word: _chunks cuts it off (و4).
    return _has_article(clitic, rest) or _has_elided_article(clitic, rest) or _in_lexicon(clitic, rest, lexicon)


def _clitic_cut(word: str, lexicon: Collection[str]) -> int:
    """Index in ``word`` where a safe proclitic ends, 0 when it must not be split.

    Shorter proclitics are tried first so that only as much is split as needed.
    """
    skeleton, index = _skeleton(word)
    for clitic in sorted(PROCLITICS, key=len):
        rest = skeleton[len(clitic) :]
        if rest and skeleton.startswith(clitic) and _safe_rest(clitic, rest, lexicon):
            return index[len(clitic)]
    return 0


def _bare_clitic(text: str, start: int, end: int) -> bool:
    """و"فاطميون", و4: the word is only a proclitic, and a quote or a digit follows directly."""
    return (_skeleton(text[start:end])[0] in PROCLITICS and end < len(text)
            and (text[end] in QUOTES or _kind(text[end]) == _DIGIT))


def _word_tokens(text: str, start: int, end: int, lexicon: Collection[str]) -> list[Token]:
    word = text[start:end]
    if _bare_clitic(text, start, end):
        return [Token(word, start, end, clitic=True)]
    cut = _clitic_cut(word, lexicon)
    if not cut:
        return [Token(word, start, end)]
    return [Token(word[:cut], start, start + cut, clitic=True), Token(word[cut:], start + cut, end)]


def tokenize(text: str, *, split_clitics: bool = False, lexicon: Collection[str] = ()) -> list[Token]:
    """Split raw text into tokens that keep their raw offsets.

    Whitespace and invisible format marks (Cf: U+200B, U+200E, U+200F, BOM ...)
    separate tokens and are dropped; ZWNJ/ZWJ stay inside words. Punctuation and
    symbols are one-char tokens (a combining mark right after one stays with
    it). A word is a run of letters, digits and marks, cut where an Arabic letter
    and a digit touch (``مقتل121``, ``الـ200``); digits keep internal separators
    (1,200 ١٬٢٠٠ 2.5). With ``split_clitics`` a proclitic (see
    ``PROCLITICS``; a combination is one token) is split off only when the rest
    starts with ال + 3 or more letters, is ل + لـ with the
    article's alef elided (للقوات -> ل + لقوات, so a span there starts at the
    second ل), or is a ``lexicon`` word (matched as written and default-
    normalised: pass a set of single words). A word that is only a proclitic
    directly before a quote or a digit (و"فاطميون", و4) is flagged ``clitic``.

    >>> [(t.text, t.clitic) for t in tokenize("للقوات وثق", split_clitics=True)]
    [('ل', True), ('لقوات', False), ('وثق', False)]
    >>> [t.text for t in tokenize("مقتل121 والـ200 في T2")]
    ['مقتل', '121', 'والـ', '200', 'في', 'T2']
    """
    _require_str(text, "tokenize")
    if isinstance(lexicon, str):
        raise TypeError(f"tokenize() lexicon must be a collection of words, not the str {lexicon!r}")
    tokens: list[Token] = []
    for start, end, is_word in _chunks(text):
        if is_word and split_clitics:
            tokens.extend(_word_tokens(text, start, end, lexicon))
        else:
            tokens.append(Token(text[start:end], start, end))
    return tokens


# ---------------------------------------------------------------- adjectives
# Adjectives that follow a name and name nothing alone (GUIDELINES sections 5 and 9):
# directions (`ريف حمص الشرقي`) and nationalities (`الموصل العراقية`), both genders, with
# the article, in light normalisation.
DIRECTIONS = "شرقي غربي شمالي جنوبي شرقية غربية شمالية جنوبية".split()
_NATIONS = (
    "سوري عراقي لبناني يمني سوداني ليبي فلسطيني إيراني تركي أردني إسرائيلي مصري سعودي إماراتي "
    "أمريكي أميركي روسي تشادي صومالي جزائري تونسي مغربي قطري كويتي عماني بحريني أفغاني باكستاني "
    "نيجري إثيوبي إريتري"
).split()
DIRECTION_ADJECTIVES = frozenset(normalize("ال" + word).text for word in DIRECTIONS)
NATIONALITY_ADJECTIVES = frozenset(
    normalize(f"ال{nation}{ending}").text for nation in _NATIONS for ending in ("", "ة"))


# ---------------------------------------------------------------- sentences

TERMINATORS = ".!?؟"
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_CLOSERS = "”’»)]}"


def _ends_sentence(text: str, i: int) -> bool:
    """A terminator at ``i``; a dot inside 2.5 or before a Latin letter/digit (U.S, a.com) is not one."""
    if text[i] != ".":
        return text[i] in TERMINATORS
    after = text[i + 1 : i + 2]
    if after.isascii() and after.isalnum():
        return False
    return not (i > 0 and _kind(text[i - 1]) == _DIGIT and after and _kind(after) == _DIGIT)


def _after_terminator(text: str, j: int) -> int:
    """Skip the tail glued to a terminator: more terminators, closing quotes, the
    comma of the `., ` pattern. An ASCII quote counts as closing only when no
    word follows it directly (it may open the next sentence)."""
    while j < len(text):
        char = text[j]
        if char in '"\'':
            nxt = text[j + 1 : j + 2]
            if nxt and _kind(nxt) in (_WORD, _DIGIT):
                break
        elif char not in TERMINATORS + _CLOSERS + ",،":
            break
        j += 1
    return j


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and _kind(text[start]) in (_SPACE, _DROP):
        start += 1
    while end > start and _kind(text[end - 1]) in (_SPACE, _DROP):
        end -= 1
    return start, end


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``[start, end)`` over the raw text.

    A sentence ends at a line break or after . ! ? ؟ together with the tail
    glued to it (closing quotes, the comma of the seed's `., `). Spans are
    stripped of whitespace and invisible marks; empty ones are left out, so
    every other character lies in exactly one span.

    >>> t = "قتل 2.5 شخص., وأعلن المرصد؟\\nالعنوان"
    >>> [t[s:e] for s, e in sentences(t)]
    ['قتل 2.5 شخص.,', 'وأعلن المرصد؟', 'العنوان']
    """
    _require_str(text, "sentences")
    cuts = [0]
    i = 0
    while i < len(text):
        if text[i] in LINE_BREAKS:
            cuts.append(i)
        elif _ends_sentence(text, i):
            i = _after_terminator(text, i + 1)
            cuts.append(i)
            continue
        i += 1
    cuts.append(len(text))
    spans = (_stripped(text, a, b) for a, b in zip(cuts, cuts[1:]))
    return [(a, b) for a, b in spans if a < b]

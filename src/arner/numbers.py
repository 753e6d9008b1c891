"""Arabic casualty numbers: read them (:func:`parse_number`) and write them.

Reading works in two passes: the text is normalised and cut into tokens, each
token becomes zero or more *atoms* (``unit``, ``teen``, ``tens``, ``hundreds``,
``thousand`` ..., digits as ``lit``), and a small evaluator checks that the atoms
form one well-built number. Whenever the text could mean more than one count
(a range, a list, a percentage, a bare "dozens"), the answer is ``None``:
a casualty count that is wrong is worse than none.

What :func:`parse_number` accepts, in order:

* leading proclitics (``و4``, ``بـ5``, ``الـ30``) and hedges (``ما لا يقل عن``,
  ``نحو``, ``حوالي``, ``قرابة``, ``زهاء``, ``أكثر من``, ``أقل من``, ``ما يزيد عن/على``);
  any other leading word (``مقتل 5``, ``اللواء 137``) gives ``None``;
* the number: digits in any of the three scripts, thousands groups
  (``1,200``, ``1٬200``, ``1.200`` with exactly three digits per group), number
  words, or digits before ``ألف``/``آلاف`` (``3 آلاف``);
* or a dual noun that alone carries the count (``عنصران``), see
  :func:`_is_dual_noun` for the rule, or a noun followed by ``واحد``/``اثنان``;
* then anything that is not another number: the counted noun or a ``من`` phrase.

Grammar constants used by the augmenter when it rewrites a count:
:data:`PLURAL_RANGE` (3-10 take a plural noun: ثلاثة عناصر) and
:data:`ACCUSATIVE_SINGULAR_RANGE` (11-99 take a singular accusative noun, the
tamyiz: أحد عشر عنصراً). 1-2 follow the noun or are a dual; from 100 the noun is
a genitive singular (مئة عنصر).

>>> parse_number("ما لا يقل عن 57 شخصاً")
57
>>> number_to_words(57, case="genitive")
'سبعة وخمسين'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from typing import NamedTuple

from arner.text import NUMBER_SEPARATORS, PROCLITICS, NormalizeOptions, normalize, word_ranges

__all__ = [
    "ACCUSATIVE_SINGULAR_RANGE",
    "CASES",
    "GENDERS",
    "PLURAL_RANGE",
    "count_after_noun",
    "counts_no_people",
    "number_to_words",
    "parse_number",
    "to_arabic_indic",
]

#: Counts 3-10 take a plural counted noun (ثلاثة عناصر، عشرة آلاف).
PLURAL_RANGE = range(3, 11)
#: Counts 11-99 take a singular accusative noun, the tamyiz (خمسة عشر عنصراً).
ACCUSATIVE_SINGULAR_RANGE = range(11, 100)

GENDERS = ("masculine", "feminine")
CASES = ("nominative", "accusative", "genitive")
_MAX_WORDS = 999_999

# ---------------------------------------------------------------- normalising

# Read with text's tables: diacritics, tatweel, invisible format characters and
# spelling variants that never change a number's value (hamza seats on alef,
# alef maqsura, Persian keheh/yeh, Arabic-Indic digits), and ta marbuta too, since
# its gender is irrelevant when reading.
_READING = NormalizeOptions(ta_marbuta=True)
# Quranic signs that are no combining marks, so text keeps them, but never part of a number.
_SIGNS = str.maketrans("", "", "\u06de\u06e5\u06e6\u06e9")
_TOKEN = re.compile(rf"\d+(?:[{re.escape(NUMBER_SEPARATORS)}]\d+)*|[^\W\d_]+|\S")


def _normalise(text: str) -> str:
    """One spelling for every variant; NFC first so a decomposed hamza survives."""
    return normalize(unicodedata.normalize("NFC", text), _READING).text.translate(_SIGNS)


def _tokenise(text: str) -> list[str]:
    return _TOKEN.findall(_normalise(text))


# ---------------------------------------------------------------- lexicon

# Forms of 3-10: (with a masculine counted noun, with a feminine counted noun).
_UNITS = {3: ("ثلاثة", "ثلاث"), 4: ("أربعة", "أربع"), 5: ("خمسة", "خمس"), 6: ("ستة", "ست"),
          7: ("سبعة", "سبع"), 8: ("ثمانية", "ثماني"), 9: ("تسعة", "تسع"), 10: ("عشرة", "عشر")}
_TENS = {20: "عشر", 30: "ثلاث", 40: "أربع", 50: "خمس", 60: "ست", 70: "سبع", 80: "ثمان", 90: "تسع"}
# Joined hundreds (ثلاثمئة); the first prefix is the one the renderer writes.
_HUNDRED_PREFIXES = {3: ("ثلاث", "ثلث"), 4: ("أربع",), 5: ("خمس",), 6: ("ست",), 7: ("سبع",),
                     8: ("ثمان", "ثماني"), 9: ("تسع",)}


class _Atom(NamedTuple):
    kind: str
    value: int = 0
    text: str = ""


_AND = _Atom("and")
# Atoms that are (part of) a number. bound1 (أحد/إحدى) lives only in 11 and 21..91;
# teen2 (اثنا/اثني) only in 12; thousands is the plural آلاف.
_NUMBER_KINDS = frozenset({"unit", "bound1", "teen2", "teen", "tens", "hundreds",
                           "thousand", "thousand2", "thousands", "lit", "bad"})


def _lexicon() -> dict[str, _Atom]:
    entries: list[tuple[str, int, tuple[str, ...]]] = [
        ("unit", 1, ("واحد", "واحدة")),
        ("bound1", 1, ("أحد", "إحدى")),
        ("unit", 2, ("اثنان", "اثنين", "اثنتان", "اثنتين", "ثنتان", "ثنتين")),
        ("teen2", 2, ("اثنا", "اثني", "اثنتا", "اثنتي")),
        ("unit", 8, ("ثمان",)),
        ("hundreds", 100, ("مئة", "مائة")),
        ("hundreds", 200, ("مئتان", "مئتين", "مئتا", "مئتي", "مائتان", "مائتين", "مائتا", "مائتي")),
        ("thousand", 1000, ("ألف", "ألفاً")),
        ("thousand2", 2000, ("ألفان", "ألفين", "ألفي")),
        ("thousands", 1000, ("آلاف", "ألوف")),
    ]
    entries += [("unit", value, forms) for value, forms in _UNITS.items()]
    entries += [("tens", value, (stem + "ون", stem + "ين")) for value, stem in _TENS.items()]
    entries += [("hundreds", unit * 100, tuple(p + h for p in prefixes for h in ("مئة", "مائة")))
                for unit, prefixes in _HUNDRED_PREFIXES.items()]
    return {_normalise(word): _Atom(kind, value)
            for kind, value, words in entries for word in words}


_LEXICON = _lexicon()


def _prefixes() -> list[str]:
    """Proclitic clusters, longest first: text's proclitics ([و|ف] [ب|ك|ل]), each with
    or without ال; ل + ال is written لل."""
    clusters = {c + a for c in ("", *PROCLITICS) for a in ("", "ال")}
    return sorted({c.replace("لال", "لل") for c in clusters} - {""}, key=lambda c: (-len(c), c))


_PREFIXES = _prefixes()

# Counted nouns whose dual alone is the count. Nouns with a broken plural: both
# dual endings are unambiguous (جنديين can only be "two soldiers").
_DUAL_ANY_CASE = frozenset(map(_normalise, (
    "عنصر", "جندي", "قتيل", "جريح", "شخص", "طفل", "ضابط", "شاب", "رجل", "قائد", "حارس",
    "أسير", "صبي", "ولد", "شقيق", "طالب", "لاجئ")))
# Nouns with a sound plural: unvocalised -ين is also the plural (مدنيين = civilians),
# so only the nominative -ان counts as two.
_DUAL_NOMINATIVE_ONLY = frozenset(map(_normalise, (
    "مقاتل", "مدني", "مسلح", "عسكري", "مواطن", "صحفي", "مسعف", "مصاب", "عامل", "قيادي",
    "مجند", "مرافق", "ناشط", "موظف", "انتحاري", "صحافي")))
_DUAL_NOMINATIVE = _DUAL_ANY_CASE | _DUAL_NOMINATIVE_ONLY
# Feminine nouns in ة: the dual -تان/-تين never looks like the plural -ات.
_DUAL_FEMININE = frozenset(map(_normalise, (
    "امرأة", "طفلة", "فتاة", "سيدة", "شابة", "مواطنة", "مقاتلة", "ممرضة", "طالبة", "مدنية")))

_HEDGES = tuple(tuple(_tokenise(h)) for h in (
    "ما لا يقل عن", "ما لا يقل على", "لا يقل عن", "ما يزيد عن", "ما يزيد على", "ما يربو على",
    "ما يربو عن", "ما يقارب", "يقارب", "ما يناهز", "يناهز", "ما يقرب من", "ما مجموعه",
    "نحو", "حوالي", "حوالى", "قرابة", "زهاء", "أكثر من", "أقل من", "أزيد من"))
# A word or sign between two numbers that makes them a range or a list.
_CONNECTORS = frozenset(_tokenise("إلى حتى أو أم في"))
# Right after the number, these make it a percentage or a bigger unit we do not read.
_BLOCKERS = frozenset(_tokenise("% ٪ ‰ مليون ملايين مليار مليارات"))


# ---------------------------------------------------------------- atoms


def _split_prefix(word: str) -> Iterator[tuple[str, str]]:
    """``(prefix, stem)`` readings of a word: itself first, then with proclitics peeled."""
    yield "", word
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) >= len(prefix) + 2:
            yield prefix, word[len(prefix):]


def _digits_atom(token: str) -> _Atom:
    """``lit`` for an integer or a clear thousands grouping, ``bad`` for decimals."""
    if token.isdecimal():
        return _Atom("lit", int(token), token)
    separators = set(re.findall(r"\D", token))
    head, *groups = re.split(r"\D", token)
    grouped = (len(separators) == 1 and "٫" not in separators and head[0] != "0"
               and len(head) <= 3 and all(len(g) == 3 for g in groups))
    return _Atom("lit", int(head + "".join(groups)), token) if grouped else _Atom("bad", 0, token)


def _token_atoms(token: str) -> list[_Atom]:
    """The atoms of one token; a proclitic و becomes an ``and`` atom."""
    if token[0].isdecimal():
        return [_digits_atom(token)]
    if token in _PREFIXES:
        return [_AND] if token.startswith("و") else []
    for prefix, stem in _split_prefix(token):
        if stem in _LEXICON:
            atom = _LEXICON[stem]._replace(text=stem)
            return [_AND, atom] if prefix.startswith("و") else [atom]
    return [_Atom("word" if token.isalpha() else "punct", 0, token)]


def _join(prev: _Atom, atom: _Atom) -> _Atom | None:
    """unit + عشر is a teen and unit + مئة is hundreds (written without و)."""
    text = prev.text + " " + atom.text
    unit = prev.value if prev.kind in ("unit", "bound1", "teen2") else 0
    if atom.kind == "unit" and atom.value == 10 and 0 < unit < 10:
        return _Atom("teen", 10 + unit, text)
    if atom.kind == "hundreds" and atom.value == 100 and prev.kind == "unit" and 3 <= unit <= 9:
        return _Atom("hundreds", unit * 100, text)
    return None


def _compose(atoms: list[_Atom]) -> list[_Atom]:
    """Atoms with teens and multiplied hundreds joined, and وأحد split."""
    out: list[_Atom] = []
    for atom in atoms:
        prev = out[-1] if out else _AND
        joined = _join(prev, atom)
        if joined:
            out[-1] = joined
        elif atom.text == "واحد" and prev.kind in _NUMBER_KINDS:
            # Unvocalised وأحد (and one) is spelled واحد; after a number it is و + أحد.
            out += [_AND, _Atom("bound1", 1, "احد")]
        else:
            out.append(atom)
    return out


# ---------------------------------------------------------------- evaluator


class _Group(NamedTuple):
    value: int
    thousands: bool


def _and_then(atoms: list[_Atom], i: int, kinds: Collection[str]) -> bool:
    """``و`` at ``i`` followed by an atom of one of ``kinds``."""
    return i + 1 < len(atoms) and atoms[i].kind == "and" and atoms[i + 1].kind in kinds


def _below_thousand(atoms: list[_Atom], i: int) -> tuple[int, int] | None:
    """``[hundreds و] (unit [و tens] | teen | tens)`` from ``i``: (value, next index)."""
    value = 0
    if atoms[i].kind == "hundreds":
        value, i = atoms[i].value, i + 1
        if not _and_then(atoms, i, {"unit", "bound1", "teen", "tens"}):
            return value, i
        i += 1
    kind, unit = atoms[i].kind, atoms[i].value
    if kind in ("teen", "tens"):
        return value + unit, i + 1
    if kind in ("unit", "bound1") and unit < 10 and _and_then(atoms, i + 1, {"tens"}):
        return value + unit + atoms[i + 2].value, i + 3
    return (value + unit, i + 1) if kind == "unit" else None


def _group(atoms: list[_Atom], i: int) -> tuple[_Group, int] | None:
    """One additive group: a number below 1000, optionally times ألف/آلاف."""
    atom = atoms[i]
    if atom.kind in ("thousand", "thousand2"):
        return _Group(atom.value, True), i + 1
    if atom.kind == "lit":
        value, i = atom.value, i + 1
    else:
        parsed = _below_thousand(atoms, i)
        if parsed is None:
            return None
        value, i = parsed
    if i < len(atoms) and atoms[i].kind in ("thousand", "thousands") and 0 < value < 1000:
        return _Group(value * 1000, True), i + 1
    return _Group(value, False), i


def _lowest_place(value: int) -> int:
    place = 1
    while value and value % (place * 10) == 0:
        place *= 10
    return place


def _combine(groups: list[_Group]) -> int | None:
    """Sum groups joined by و; each must follow a thousands group and fit below
    its lowest digit (ألف ومئتان, مئة ألف وألف), else it is a second count."""
    total = groups[0].value
    for prev, group in zip(groups, groups[1:]):
        if not prev.thousands or group.value >= _lowest_place(prev.value):
            return None
        total += group.value
    return total


def _number(atoms: list[_Atom], i: int) -> tuple[int, int] | None:
    groups: list[_Group] = []
    while True:
        parsed = _group(atoms, i)
        if parsed is None:
            return None
        group, i = parsed
        groups.append(group)
        if not _and_then(atoms, i, _NUMBER_KINDS):
            break
        i += 1
    value = _combine(groups)
    return None if value is None else (value, i)


def _continues(atoms: list[_Atom], i: int) -> bool:
    """True when what follows the number makes it a range, list or percentage."""
    if i >= len(atoms):
        return False
    atom = atoms[i]
    if atom.kind in _NUMBER_KINDS or atom.text in _BLOCKERS:
        return True
    linked = atom.kind == "and" or atom.kind == "punct" or atom.text in _CONNECTORS
    return linked and i + 1 < len(atoms) and atoms[i + 1].kind in _NUMBER_KINDS


# ---------------------------------------------------------------- reading


def _is_dual_noun(word: str) -> bool:
    """A dual of a known counted noun, read as the count 2.

    Rule: nouns with a broken plural count in both cases (عنصران، عنصرين);
    nouns with a sound plural only in the nominative, because unvocalised
    مدنيين is also "civilians" (مدنيان counts); feminine nouns in ة count in both
    (امرأتان، طفلتين). Numbers of strikes and the like (ضربتين) are not people.

    >>> [_is_dual_noun(w) for w in ("جنديين", "مدنيان", "مدنيين", "امرأتين", "ضربتين")]
    [True, True, False, True, False]
    """
    for _, stem in _split_prefix(_normalise(word)):
        if stem.endswith(("تان", "تين")) and stem[:-3] + "ه" in _DUAL_FEMININE:
            return True
        if stem.endswith("ان") and stem[:-2] in _DUAL_NOMINATIVE:
            return True
        if stem.endswith("ين") and stem[:-2] in _DUAL_ANY_CASE:
            return True
    return False


def _hedge_length(tokens: list[str]) -> int:
    """How many leading tokens are a hedge (``نحو``، ``ونحو``، ``ما لا يقل عن``), else 0."""
    if not tokens:
        return 0
    first = tokens[0][1:] if tokens[0].startswith("و") else tokens[0]
    for hedge in _HEDGES:
        if hedge[0] in (tokens[0], first) and tuple(tokens[1:len(hedge)]) == hedge[1:]:
            return len(hedge)
    return 0


def _strip_leading(tokens: list[str]) -> list[str]:
    """Drop leading proclitic tokens (و، بـ، الـ) and hedges."""
    while tokens:
        skip = 1 if tokens[0] in _PREFIXES else _hedge_length(tokens)
        if not skip:
            break
        tokens = tokens[skip:]
    return tokens


def _count_by_noun(atoms: list[_Atom]) -> tuple[int, int] | None:
    """A dual noun (``عنصران [اثنان]``) or a noun then واحد/اثنان (``جنود اثنان``)."""
    if atoms[0].kind != "word":
        return None
    second = atoms[1] if len(atoms) > 1 else _AND
    if _is_dual_noun(atoms[0].text):
        return (2, 2) if second.kind == "unit" and second.value == 2 else (2, 1)
    if second.kind == "unit" and second.value <= 2:
        return second.value, 2
    return None


def parse_number(text: str) -> int | None:
    """The count in an Arabic number expression, or ``None`` if there is none or
    it is ambiguous (never raises).

    >>> parse_number("و٤")
    4
    >>> parse_number("خمسة وعشرون ألفاً وثلاثمائة")
    25300
    >>> parse_number("قرابة 1٬200 عنصر")
    1200
    >>> parse_number("عنصرين")
    2
    >>> parse_number("بين 5 و7") is None, parse_number("العشرات") is None
    (True, True)
    """
    if not isinstance(text, str):
        return None
    atoms = _compose([a for t in _strip_leading(_tokenise(text)) for a in _token_atoms(t)])
    while atoms and atoms[0].kind == "and":
        atoms = atoms[1:]
    if not atoms:
        return None
    parsed = _count_by_noun(atoms) or _number(atoms, 0)
    if parsed is None or _continues(atoms, parsed[1]):
        return None
    return parsed[0]


# ---------------------------------------------------------------- what a number counts

# GUIDELINES sections 6 and 7: a number that counts strikes, weapons, vehicles, sites,
# dates or a span of time (an age included: `طفلة (13 عاماً)`) is no casualty count, and
# the counted noun right after the number says so. The accusative tamyiz (`موقعاً`) is
# read too.
_COUNTED_THINGS = frozenset(_normalise(form) for word in (
    "عام أعوام سنة سنوات سنين شهر أشهر شهور أسبوع أسابيع يوم أيام ساعة ساعات دقيقة دقائق "
    "كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين يناير فبراير مارس أبريل مايو "
    "يونيو يونيه يوليو يوليه أغسطس سبتمبر أكتوبر نوفمبر ديسمبر "
    "غارة غارات ضربة ضربات هجوم هجمات مجزرة مجازر عملية عمليات انفجار انفجارات تفجير تفجيرات "
    "صاروخ صواريخ قذيفة قذائف طائرة طائرات مسيرة مسيرات عبوة عبوات لغم ألغام طلقة طلقات "
    "سيارة سيارات آلية آليات دبابة دبابات مركبة مركبات عربة عربات شاحنة شاحنات "
    "موقع مواقع منزل منازل مبنى مباني بيت بيوت قرية قرى بلدة بلدات نقطة نقاط حاجز حواجز "
    "مقر مقرات مرة مرات كيلومتر كيلومترات متر أمتار دولار"
).split() for form in (word, word + "ا"))
# An age said before the number (`دون سن 15`, `بعمر 12`); a bare `عمر` is also a name.
_AGE_WORDS = frozenset(_normalise(word) for word in "سن السن بسن العمر بعمر عمره عمرها".split())
# GUIDELINES section 6: a number word after its counted noun is the count (`عنصرين اثنين`
# -> `اثنين`, `جندي واحد` -> `واحد`): the words for one and two, as `_count_by_noun` reads them.
_COUNT_AFTER_NOUN = frozenset(word for word, atom in _LEXICON.items() if atom.kind == "unit" and atom.value <= 2)
_LETTERS = re.compile(r"[^\W\d_]+")
# How far around a span the next and previous words are looked for: longer than any word.
_NEAR = 40


def counts_no_people(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` counts things or time, not people: the word
    right after it is one of ``_COUNTED_THINGS`` or the word before it one of ``_AGE_WORDS``.

    >>> text = "قتل 4 عناصر في 3 غارات، بينهم طفلة (13 عاماً) وفتى دون سن 15"
    >>> [counts_no_people(text, text.index(n), text.index(n) + len(n)) for n in ("4", "3", "13", "15")]
    [False, True, True, True]
    """
    after = _LETTERS.match(_normalise(text[end : end + _NEAR].lstrip(" («\"“")))
    if after is not None and after.group() in _COUNTED_THINGS:
        return True
    before = text[max(0, start - _NEAR) : start].split()[-1:]
    return bool(before) and _normalise(before[0].strip("(«\"“")) in _AGE_WORDS


def count_after_noun(text: str, start: int, end: int) -> tuple[int, int]:
    """The count of a noun span ``[start, end)`` when a number word follows the noun:
    that word's range, whether the span takes it in (``جنديين اثنين``) or not (``مدنيان``
    before ``اثنان``); any other span is returned as it is.

    >>> text = "قتل جنديين اثنين ومدنيان اثنان، و5 اثنين"
    >>> [text[slice(*count_after_noun(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("جنديين اثنين", "مدنيان", "5")]
    ['اثنين', 'اثنان', '5']
    """
    words = word_ranges(text, start, end)
    if not words:
        return start, end
    if len(words) > 1 and _normalise(text[slice(*words[-1])]) in _COUNT_AFTER_NOUN:
        return words[-1] if _ends_in_noun(text[slice(*words[-2])]) else (start, end)
    if not _ends_in_noun(text[slice(*words[-1])]):
        return start, end
    after = re.match(r"\s+(\S+)", text[end : end + _NEAR])
    if after is None:
        return start, end
    letters = _LETTERS.match(after.group(1))
    if letters is None or _normalise(letters.group()) not in _COUNT_AFTER_NOUN:
        return start, end
    count_start = end + after.start(1)
    count_end = count_start + letters.end()
    while count_end < len(text) and unicodedata.combining(text[count_end]):
        count_end += 1
    return count_start, count_end


def _ends_in_noun(word: str) -> bool:
    """Whether ``word``'s last token is a word that is no number (``عنصرين``, not ``5``)."""
    tokens = _tokenise(word)
    atoms = _token_atoms(tokens[-1]) if tokens else []
    return bool(atoms) and atoms[-1].kind == "word"


# ---------------------------------------------------------------- writing


def _check_int(n: object, low: int, high: int | None = None) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {n!r}")
    if n < low or (high is not None and n > high):
        raise ValueError(f"number {n} is outside {low}..{high if high is not None else ''}")
    return n


def to_arabic_indic(n: int) -> str:
    """``n`` in Arabic-Indic digits.

    >>> to_arabic_indic(57)
    '٥٧'
    >>> to_arabic_indic(1200)
    '١٢٠٠'
    """
    return str(_check_int(n, 0)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def _oblique(case: str) -> bool:
    return case != "nominative"


def _unit_word(n: int, feminine: bool, case: str, before_tens: bool = False) -> str:
    """1-10 in the form used with a counted noun of the given gender."""
    if n == 1:
        return ("إحدى" if before_tens else "واحدة") if feminine else "واحد"
    if n == 2:
        return ("اثنتين" if feminine else "اثنين") if _oblique(case) else \
            ("اثنتان" if feminine else "اثنان")
    # Polarity: 3-10 take the ة form with a masculine noun and drop it with a feminine one.
    return _UNITS[n][1 if feminine else 0]


def _below_hundred_words(n: int, feminine: bool, case: str) -> str:
    if n <= 10:
        return _unit_word(n, feminine, case)
    ten = "عشرة" if feminine else "عشر"
    if n == 11:
        return ("إحدى " if feminine else "أحد ") + ten
    if n == 12:
        return ("اثنت" if feminine else "اثن") + ("ي " if _oblique(case) else "ا ") + ten
    if n < 20:
        return _unit_word(n - 10, feminine, case) + " " + ten
    tens = _TENS[n - n % 10] + ("ين" if _oblique(case) else "ون")
    if n % 10 == 0:
        return tens
    return _unit_word(n % 10, feminine, case, before_tens=True) + " و" + tens


def _hundreds_word(h: int, case: str) -> str:
    if h == 2:
        return "مئتين" if _oblique(case) else "مئتان"
    return "مئة" if h == 1 else _HUNDRED_PREFIXES[h][0] + "مئة"


def _below_thousand_words(n: int, feminine: bool, case: str) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [_hundreds_word(hundreds, case)] if hundreds else []
    if rest:
        parts.append(_below_hundred_words(rest, feminine, case))
    return " و".join(parts)


def _thousands_words(t: int, case: str) -> str:
    """``t`` thousands; ألف is masculine and its number follows the count rules."""
    last = t % 100
    if t <= 2:
        return "ألف" if t == 1 else ("ألفين" if _oblique(case) else "ألفان")
    if last in (1, 2):
        # Classical: 101000 is مئة ألف وألف ("a hundred thousand and a thousand").
        return _thousands_words(t - last, case) + " و" + _thousands_words(last, case)
    if last == 0 and t // 100 == 2:
        return ("مئتي" if _oblique(case) else "مئتا") + " ألف"  # construct state drops ن
    multiplier = _below_thousand_words(t, False, case)
    if last in PLURAL_RANGE:
        return multiplier + " آلاف"
    return multiplier + (" ألفاً" if last in ACCUSATIVE_SINGULAR_RANGE else " ألف")


def number_to_words(n: int, *, gender: str = "masculine", case: str = "nominative") -> str:
    """``n`` (1..999,999) as MSA words, as it stands before a counted noun.

    ``gender`` is the counted noun's gender (3-10 take the opposite form:
    ثلاثة رجال، ثلاث نساء); ``case`` changes only duals, tens and اثنا/اثني.

    >>> number_to_words(57)
    'سبعة وخمسون'
    >>> number_to_words(12, gender="feminine", case="accusative")
    'اثنتي عشرة'
    >>> number_to_words(3527)
    'ثلاثة آلاف وخمسمئة وسبعة وعشرون'
    >>> number_to_words(25000, case="genitive")
    'خمسة وعشرين ألفاً'
    """
    _check_int(n, 1, _MAX_WORDS)
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, got {gender!r}")
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, got {case!r}")
    thousands, rest = divmod(n, 1000)
    parts = [_thousands_words(thousands, case)] if thousands else []
    if rest:
        parts.append(_below_thousand_words(rest, gender == "feminine", case))
    return " و".join(parts)

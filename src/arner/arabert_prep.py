"""AraBERT v2 preprocessing that keeps an exact map back to the raw text.

``aubmindlab/bert-base-arabertv02`` was pre-trained on text cleaned by the
``arabert`` package (``ArabertPreprocessor("aubmindlab/bert-base-arabertv02")
.preprocess``), so fine-tuning and prediction must feed it the same text.
:func:`arabert_v2_normalize` produces exactly that text and records where each
character came from, so spans found on it map back to raw offsets. It is our own
implementation: the ``arabert`` package is not needed at run time. Behaviour
checked against ``arabert`` 1.0.1 (with PyArabic 0.6.15) by
tests/test_arabert_prep.py, which compares the two whenever the package is
installed.

The steps, in the package's order:

1. HTML character references are decoded (``&amp;`` -> ``&``, ``&#1575;`` -> ``ا``).
2. The eight tashkeel marks (U+064B-U+0652) and tatweel are removed.
3. URLs become ``[رابط]``, e-mail addresses ``[بريد]``, @mentions ``[مستخدم]``
   (a bare ``name.com`` and ``a@b.com`` count as URLs).
4. HTML tags (``<br />``, and anything from ``<`` to the next ``>``) become a space.
5. Arabic-Indic digits ٠-٩ become 0-9 (the Persian ۰-۹ do not).
6. A non-digit character repeated three or more times is cut to two.
7. Spaces go around every character that is not an ASCII digit, an Arabic
   letter (U+0621-U+063A, U+0641-U+064A), a Latin letter or a square bracket,
   and around a run of digits touching a run of Arabic letters
   (``26عنصرا`` -> ``26 عنصرا``, ``و4`` -> ``و 4``).
8. ``/`` becomes ``-``; a character outside the model's alphabet (emoji,
   Persian ی ک پ, superscript alef, accented Latin, ``&``, ZWNJ and bidi
   marks) becomes a space.
9. Whitespace runs become one space; both ends are stripped.

Offset rules (``offsets[i]`` is where normalised char ``i`` begins in the raw
text; offsets never decrease):

- a kept or one-for-one replaced character maps to its raw character;
- removed characters belong to the kept character before them, as in
  :func:`arner.text.normalize`;
- an inserted space maps to the raw index of the character after it, so its raw
  extent is empty and the word before it ends exactly where the next begins;
- text that replaces a match (a decoded reference, the space for a tag) is laid
  over the matched raw characters one each, surplus characters on the last one;
  in ``[رابط]`` the brackets lie on the URL's first and last characters and the
  word on all those between;
- a whitespace run keeps the offset of its first character;
- what the final strip removes after the last kept character belongs to no
  character: :attr:`ArabertNormalized.content_end` marks where it starts.

So :meth:`~ArabertNormalized.to_raw` maps a whole normalised word to the whole
raw word, with its removed marks but never whitespace at either edge.

>>> n = arabert_v2_normalize("قُتِلَ ٢٦عنصراً، ")
>>> n.text
'قتل 26 عنصرا ،'
>>> [n.raw[slice(*n.to_raw(s, e))] for s, e in [(0, 3), (4, 6), (7, 12), (13, 14)]]
['قُتِلَ', '٢٦', 'عنصراً', '،']
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.entities import html5

from arner.text import Normalized

__all__ = ["ARABERT_VERSION", "REPLACEMENT_TOKENS", "ArabertNormalized", "arabert_v2_normalize"]

ARABERT_VERSION = "1.0.1"
URL_TOKEN, EMAIL_TOKEN, MENTION_TOKEN = "[رابط]", "[بريد]", "[مستخدم]"
REPLACEMENT_TOKENS = (URL_TOKEN, EMAIL_TOKEN, MENTION_TOKEN)


@dataclass(frozen=True)
class ArabertNormalized(Normalized):
    """A :class:`Normalized` whose text may contain inserted characters.

    ``content_end`` is the raw index where the stripped tail begins (``len(raw)``
    when nothing was stripped at the end): the last word's raw range stops there.
    """

    content_end: int

    def __post_init__(self) -> None:
        super().__post_init__()
        low = self.offsets[-2] if self.text else len(self.raw)  # not before the last character
        if not (isinstance(self.content_end, int) and low <= self.content_end <= len(self.raw)):
            raise ValueError(f"content_end {self.content_end!r} is not within [{low}, {len(self.raw)}]")

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """As :meth:`Normalized.to_raw`, but the last character stops at ``content_end``.

        >>> arabert_v2_normalize("داعش 😀").to_raw(0, 4)
        (0, 4)
        """
        raw_start, raw_end = super().to_raw(start, end)
        if start < end == len(self.text):
            raw_end = min(raw_end, self.content_end)
        return raw_start, raw_end

    def to_norm(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """As :meth:`Normalized.to_norm`, leaving out spaces at either edge.

        An inserted space shares its offset with the character after it, and a
        space kept for a dropped character (``علی``) lies inside the raw word:
        neither belongs to a span. Nor do characters with no raw extent that end
        the word before (the ``]`` of ``@x``, which shares its offset too).

        >>> arabert_v2_normalize("قتل.").to_norm(3, 4)
        (4, 5)
        """
        start, end = super().to_norm(raw_start, raw_end)
        head = start
        while head < end and self.text[head] != " " and self.offsets[head] == self.offsets[head + 1]:
            head += 1
        if head < end and self.text[head] == " ":
            start = head
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        return start, end


def arabert_v2_normalize(text: str) -> ArabertNormalized:
    """``ArabertPreprocessor("aubmindlab/bert-base-arabertv02").preprocess(text)`` with offsets.

    >>> n = arabert_v2_normalize("قصف «حزب الله» www.example.com/x")
    >>> n.text
    'قصف « حزب الله » [رابط]'
    >>> n.to_raw(17, 23), n.raw[15:32]
    ((15, 32), 'www.example.com/x')
    """
    if not isinstance(text, str):
        raise TypeError(f"arabert_v2_normalize() needs a str, got {type(text).__name__}: {text!r:.60}")
    draft = _Draft(text, list(range(len(text))), text)
    for step in _STEPS:
        draft = step(draft)
    return _collapse(draft)


# ---------------------------------------------------------------- drafts


@dataclass(frozen=True)
class _Draft:
    """The text between two steps; ``origin[i]`` is the raw index char ``i`` stands on."""

    text: str
    origin: list[int]
    raw: str


@dataclass(frozen=True)
class _Keep:
    """Characters ``[start, end)`` of the step's input, unchanged."""

    start: int
    end: int


@dataclass(frozen=True)
class _Stand:
    """``text`` replacing input characters ``[start, end)``, laid over them one each."""

    text: str
    start: int
    end: int


# A template turns a match into parts: _Keep, _Stand, or a str of inserted characters.
_Part = _Keep | _Stand | str
_Template = Callable[[re.Match[str]], Sequence[_Part]]


def _rewrite(draft: _Draft, pattern: re.Pattern[str], template: _Template) -> _Draft:
    """``pattern.sub`` over the draft, each match rewritten as ``template`` says."""
    chars: list[str] = []
    origin: list[int | None] = []
    done = 0
    for match in pattern.finditer(draft.text):
        _emit(draft, _Keep(done, match.start()), chars, origin)
        for part in template(match):
            _emit(draft, part, chars, origin)
        done = match.end()
    if not chars and done == 0:
        return draft
    _emit(draft, _Keep(done, len(draft.text)), chars, origin)
    return _Draft("".join(chars), _resolve_inserted(origin, len(draft.raw)), draft.raw)


def _emit(draft: _Draft, part: _Part, chars: list[str], origin: list[int | None]) -> None:
    if isinstance(part, str):
        chars.append(part)
        origin.extend([None] * len(part))
    elif isinstance(part, _Keep):
        chars.append(draft.text[part.start : part.end])
        origin.extend(draft.origin[part.start : part.end])
    else:
        chars.append(part.text)
        origin.extend(draft.origin[min(part.start + k, part.end - 1)] for k in range(len(part.text)))


def _resolve_inserted(origin: list[int | None], raw_len: int) -> list[int]:
    """An inserted character takes the origin of the first real character after it."""
    resolved: list[int] = [0] * len(origin)
    following = raw_len
    for i in range(len(origin) - 1, -1, -1):
        own = origin[i]
        following = own if own is not None else following
        resolved[i] = following
    return resolved


def _drop(draft: _Draft, removed: str) -> _Draft:
    """Remove ``removed`` characters; they join the raw extent of the character before."""
    kept = [i for i, char in enumerate(draft.text) if char not in removed]
    if len(kept) == len(draft.text):
        return draft
    return _Draft("".join(draft.text[i] for i in kept), [draft.origin[i] for i in kept], draft.raw)


def _same_length(draft: _Draft, text: str) -> _Draft:
    """A step that replaces characters one for one keeps every origin."""
    return _Draft(text, draft.origin, draft.raw)


def _collapse(draft: _Draft) -> ArabertNormalized:
    """``" ".join(text.split())``: a run keeps its first origin; the ends are stripped."""
    chars: list[str] = []
    offsets: list[int] = []
    run_start: int | None = None
    for char, origin in zip(draft.text, draft.origin):
        if char.isspace():  # what str.split() splits on (and re's \s)
            if run_start is None and chars:
                run_start = origin
            continue
        if run_start is not None:
            chars.append(" ")
            offsets.append(run_start)
            run_start = None
        chars.append(char)
        offsets.append(origin)
    content_end = len(draft.raw) if run_start is None else run_start
    return ArabertNormalized(draft.raw, "".join(chars), (*offsets, len(draft.raw)), content_end)


# ---------------------------------------------------------------- templates


def _spaced_groups(match: re.Match[str]) -> list[_Part]:
    """`` \\1 `` / `` \\1 \\2 ``: every group kept, a space inserted around each."""
    parts: list[_Part] = [" "]
    for group in range(1, match.re.groups + 1):
        parts += [_Keep(match.start(group), match.end(group)), " "]
    return parts


def _token(token: str) -> _Template:
    """`` [word] `` for the match: the brackets lie on its first and last raw
    characters, the word on those between, so each of the three tokens that
    :func:`arner.text.tokenize` makes of it maps to a non-empty part. A two-
    character match (``@x``) has nothing left for ``]``, which is inserted."""

    def parts(match: re.Match[str]) -> tuple[_Part, ...]:
        start, end = match.start(), match.end()
        opening, word = _Stand(token[0], start, start + 1), token[1:-1]
        if end - start >= 3:
            return (" ", opening, _Stand(word, start + 1, end - 1), _Stand(token[-1], end - 1, end), " ")
        return (" ", opening, _Stand(word, start + 1, end), token[-1] + " ")

    return parts


def _blank(match: re.Match[str]) -> tuple[_Part, ...]:
    return (_Stand(" ", match.start(), match.end()),)


def _first_two(match: re.Match[str]) -> tuple[_Part, ...]:
    return (_Keep(match.start(), match.start() + 2),)


def _charref(match: re.Match[str]) -> tuple[_Part, ...]:
    """What ``html.unescape`` makes of one reference: a named one without ``;``
    may be a legacy name followed by plain text (``&ampx`` -> ``&`` + ``x``)."""
    name, start = match.group(1), match.start()
    if name.startswith("#") or name in html5:
        return (_Stand(html.unescape(match.group()), start, match.end()),)
    for size in range(len(name) - 1, 1, -1):  # the longest legacy name, 2+ characters
        if name[:size] in html5:
            cut = start + 1 + size
            return (_Stand(html5[name[:size]], start, cut), _Keep(cut, match.end()))
    return (_Keep(start, match.end()),)


# ---------------------------------------------------------------- the steps

# html.unescape's syntax of a character reference (HTML5): decimal, hex, or a
# name of up to 32 characters, each with an optional ';'.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"  # PyArabic's TASHKEEL
_TATWEEL = "\u0640"
_URL_CHARS = r"-a-zA-Z0-9@:%._+~#="
# Applied one after another, each to the previous one's output. The package
# also lists `@(https?|ftp)://...$@iS`, which needs text after the end of the
# string and so never matches: it is left out.
_URLS = tuple(
    re.compile(p)
    for p in (
        rf"(?:https?://.)?(?:www\.)?[{_URL_CHARS}]{{2,256}}\.[a-z]{{2,6}}\b[-a-zA-Z0-9@:%_+.~#?&/=]*",
        r"https?://[-a-zA-Z0-9_./~?=%&]+",
        r"www[-a-zA-Z0-9_?=%&/.~]+",
        r"[a-zA-Z]+\.com",
        r"http\S*",
        r"www\S*",
        r"://",
    )
)
_EMAILS = (re.compile(r"[\w-]+@(?:[\w-]+\.)+[\w-]+"), re.compile(r"\S+@\S+"))
_MENTION = re.compile(r"@\w+")
_TAGS = (re.compile("<br />"), re.compile("</?[^>]+>"))
_HINDI_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_REPEATED = re.compile(r"(\D)\1\1+")
_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a"
_NOT_WORD_CHAR = re.compile(rf"([^0-9{_ARABIC_LETTERS}\u0660-\u0669a-zA-Z\[\]])")
# After _NOT_WORD_CHAR every other digit (Persian ۰-۹ ...) and ٪٫٬ stand alone
# between spaces, so ASCII digits and these letters are all that can touch.
_DIGITS_LETTERS = re.compile(rf"([0-9]+)([{_ARABIC_LETTERS}]+)")
_LETTERS_DIGITS = re.compile(rf"([{_ARABIC_LETTERS}]+)([0-9]+)")
# The model's alphabet; anything else becomes a space.
_KEPT_PUNCTUATION = "[]!\"#$%'()*+,.:;-<=>?@\\^_`{|}~·—–…‘’“”«»،؛؟٪\u0b4d\u06da"
_REJECTED = re.compile(
    rf"[^0-9\u0621-\u063a\u0640-\u066c\u0671-\u0674a-zA-Z{re.escape(_KEPT_PUNCTUATION)}\s]"
)


def _replace_links(draft: _Draft) -> _Draft:
    for pattern in _URLS:
        draft = _rewrite(draft, pattern, _token(URL_TOKEN))
    if "@" not in draft.text:  # `\S+@\S+` is quadratic in a long run without it
        return draft
    for pattern in _EMAILS:
        draft = _rewrite(draft, pattern, _token(EMAIL_TOKEN))
    return _rewrite(draft, _MENTION, _token(MENTION_TOKEN))


def _remove_tags(draft: _Draft) -> _Draft:
    if "<" not in draft.text:
        return draft
    for pattern in _TAGS:
        draft = _rewrite(draft, pattern, _blank)
    return draft


def _insert_spaces(draft: _Draft) -> _Draft:
    for pattern in (_NOT_WORD_CHAR, _DIGITS_LETTERS, _LETTERS_DIGITS):
        draft = _rewrite(draft, pattern, _spaced_groups)
    return draft


_STEPS: tuple[Callable[[_Draft], _Draft], ...] = (
    lambda d: _rewrite(d, _CHARREF, _charref) if "&" in d.text else d,
    lambda d: _drop(d, _TASHKEEL + _TATWEEL),
    _replace_links,
    _remove_tags,
    lambda d: _same_length(d, d.text.translate(_HINDI_DIGITS)),
    lambda d: _rewrite(d, _REPEATED, _first_two),
    _insert_spaces,
    lambda d: _same_length(d, d.text.replace("/", "-")),
    # Each rejected character is one match replaced by one space. (The package
    # then deletes U+FE0F, which this step has already turned into a space.)
    lambda d: _same_length(d, _REJECTED.sub(" ", d.text)),
)

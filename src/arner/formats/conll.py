"""CoNLL-style ``token TAG`` files: the dialects of the public Arabic NER corpora.

One reader handles all of them (see /work/shared/corpora/*/SOURCE.txt):

- ANERcorp, AQMAR: ``token TAG`` separated by spaces (ANERcorp has a few stray
  I- tags, tokens holding a space, lines with an empty token and no sentence
  breaks at all in the original Benajiba file);
- NewsFANE/WikiFANE: ``token<TAB>TAG``, UTF-8 BOM, CRLF, a U+200E mark before
  most tokens, a line holding only a TAB between sentences, fine types
  (``B-Population-Center``; ``B-GPE:Population-Center`` style works too);
- Wojood: ``token TAG [TAG ...]`` where the n-th tag is nesting layer n
  (outermost first), and ``$#$ O`` lines mark paragraphs.

Each sentence becomes a :class:`~arner.spans.Document` whose text is its
tokens joined by one space. Spans are flat: where spans nest or cross, the one
starting first (the longer at equal starts) is kept and the others are counted.
Every deliberate skip or repair is counted in a :class:`ConllReport`:

- U+200E/U+200F marks are removed from tokens (``marks_removed``);
- a token that is empty once marks are removed and is tagged O is skipped
  (``empty_tokens``); tagged B-/I- it is an error;
- an I-X that continues nothing opens a span (``stray_inside_fixed``);
- inner Wojood layers not kept (``nested_dropped``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from arner.atomic import replaced_when_done
from arner.formats.iob2 import AlignmentReport, invalid_inside, spans_to_tags, tags_to_spans
from arner.spans import Document, Span, SpanError, validate_document
from arner.text import Token, tokenize

__all__ = ["ConllReport", "map_labels", "read_conll", "write_conll"]

MARKS = "\u200e\u200f"
PARAGRAPH = "$#$"
MAX_EXAMPLES = 20
_TAG = r"(?:O|[BI]-\S+)"
_TAG_RE = re.compile(_TAG)
# Lazy token, then the run of tags that ends the line: a token may hold a space
# ('الصالحية ونايفة O' in ANERcorp) but never ends in something tag-like.
_SPACED_LINE = re.compile(rf"(.*?)\s+({_TAG}(?:\s+{_TAG})*)\s*")


@dataclass
class ConllReport:
    """Counts from :func:`read_conll`, plus up to 20 examples of each problem."""

    sentences: int = 0
    tokens: int = 0
    spans: int = 0
    stray_inside_fixed: int = 0
    nested_dropped: int = 0
    marks_removed: int = 0
    empty_tokens: int = 0
    paragraphs: int = 0
    examples: list[str] = field(default_factory=list)
    _shown: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def note(self, kind: str, message: str) -> None:
        """Keep ``message`` as an example unless ``kind`` already has 20."""
        if self._shown.get(kind, 0) < MAX_EXAMPLES:
            self._shown[kind] = self._shown.get(kind, 0) + 1
            self.examples.append(f"{kind}: {message}")


@dataclass(frozen=True)
class _Row:
    token: str
    tags: tuple[str, ...]
    line: int


def _split_line(line: str, where: str) -> tuple[str, list[str]]:
    """(token, tags) of one non-blank line; TAB-separated when the line has a TAB."""
    if "\t" in line:
        token, _, rest = line.partition("\t")
        tags = rest.split()
        if tags and all(_TAG_RE.fullmatch(tag) for tag in tags):
            return token.strip(), tags
    else:
        match = _SPACED_LINE.fullmatch(line)
        if match:
            return match.group(1).strip(), match.group(2).split()
    raise SpanError(
        f"{where}: malformed line {line!r}: expected 'token TAG [TAG ...]' "
        "with each TAG O, B-<type> or I-<type>"
    )


def _clean_token(token: str, tags: list[str], where: str, report: ConllReport) -> str | None:
    """The token without bidi marks, or None for an empty O token (skipped, counted)."""
    cleaned = token.translate({ord(m): None for m in MARKS})
    report.marks_removed += len(token) - len(cleaned)
    if cleaned:
        return cleaned
    if any(tag != "O" for tag in tags):
        raise SpanError(f"{where}: empty token {token!r} carries tag(s) {' '.join(tags)}")
    report.empty_tokens += 1
    report.note("empty token", f"{where}: {token!r} skipped")
    return None


def read_conll(
    path: str | Path,
    *,
    doc_prefix: str | None = None,
    report: ConllReport | None = None,
    max_sentences: int | None = None,
) -> list[Document]:
    """Read a CoNLL file into one document per sentence, ids ``{prefix}-{n}`` from 1.

    ``doc_prefix`` defaults to the file stem. Blank (or whitespace-only) lines
    and ``$#$`` lines end a sentence. A line without a tag, or with a tag that
    is neither O nor B-/I-<type>, raises :class:`SpanError` naming file and line.
    """
    path = Path(path)
    report = report if report is not None else ConllReport()
    prefix = doc_prefix or path.stem
    docs: list[Document] = []
    rows: list[_Row] = []

    def flush() -> None:
        if rows:
            docs.append(_document(rows, f"{prefix}-{len(docs) + 1}", path, report))
            rows.clear()

    with path.open(encoding="utf-8-sig", newline=None) as handle:
        for number, raw in enumerate(handle, start=1):
            if max_sentences is not None and len(docs) >= max_sentences:
                break
            line = raw.rstrip("\r\n")
            if not line.strip():
                flush()
                continue
            where = f"{path}:{number}"
            token, tags = _split_line(line, where)
            if token == PARAGRAPH and tags == ["O"]:
                report.paragraphs += 1
                flush()
                continue
            cleaned = _clean_token(token, tags, where, report)
            if cleaned is not None:
                rows.append(_Row(cleaned, tuple(tags), number))
        if max_sentences is None or len(docs) < max_sentences:
            flush()
    return docs


def _document(rows: list[_Row], doc_id: str, path: Path, report: ConllReport) -> Document:
    tokens, start = [], 0
    for row in rows:
        tokens.append(Token(row.token, start, start + len(row.token)))
        start += len(row.token) + 1
    text = " ".join(row.token for row in rows)
    spans: list[Span] = []
    for layer in range(max(len(row.tags) for row in rows)):
        tags = [row.tags[layer] if layer < len(row.tags) else "O" for row in rows]
        for i in invalid_inside(tags):
            report.note(
                "stray I-",
                f"{path}:{rows[i].line}: {tags[i]} on {rows[i].token!r} "
                "continues nothing; read as the start of a span",
            )
        layer_spans, stray = tags_to_spans(tokens, tags)
        report.stray_inside_fixed += stray
        spans.extend(layer_spans)
    kept = _outermost(spans, text, f"{path}: {doc_id}", report)
    doc = Document(doc_id, text, tuple(kept))
    problems = validate_document(doc, sorted({s.label for s in kept}))
    if problems:  # cannot happen for tokens without spaces at their edges; guard anyway
        raise SpanError(f"{path}:{rows[0].line}: document {doc_id!r}: " + "; ".join(problems))
    report.sentences += 1
    report.tokens += len(rows)
    report.spans += len(kept)
    return doc


def _outermost(spans: list[Span], text: str, where: str, report: ConllReport) -> list[Span]:
    """Flatten: keep a span unless it overlaps one kept before (earlier start, or longer)."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if kept and span.start < kept[-1].end:
            outer = kept[-1]
            report.nested_dropped += 1
            report.note(
                "nested",
                f"{where}: {span.label} {text[span.start : span.end]!r} inside "
                f"{outer.label} {text[outer.start : outer.end]!r} dropped",
            )
            continue
        kept.append(span)
    return kept


def write_conll(
    docs: Iterable[Document],
    path: str | Path,
    *,
    split_clitics: bool = False,
    lexicon: Iterable[str] = (),
    report: AlignmentReport | None = None,
    tokenizer: Callable[[str], Sequence[Token]] | None = None,
) -> int:
    """Write ``token<TAB>TAG`` lines, a blank line after each document; returns the count.

    Tokens come from ``tokenizer`` (text -> tokens) when given, else from
    :func:`arner.text.tokenize` with ``split_clitics`` and ``lexicon``; spans off
    token boundaries are widened and counted in ``report``. Reading the file back
    gives each document's tokens joined by one space as its text. The file appears
    only once every document is written: a document that CoNLL cannot hold raises
    :class:`SpanError` naming it and leaves ``path`` as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tokenizer is None:
        tokenizer = partial(tokenize, split_clitics=split_clitics, lexicon=frozenset(lexicon))
    count = 0
    with replaced_when_done(path) as handle:
        for doc in docs:
            tokens = tokenizer(doc.text)
            if not tokens:
                raise SpanError(f"{path}: document {doc.id!r} has no tokens; CoNLL cannot hold it")
            tags = spans_to_tags(doc.text, doc.spans, tokens, report, doc.id)
            handle.writelines(
                f"{token.text}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True)
            )
            handle.write("\n")
            count += 1
    return count


def map_labels(
    docs: Iterable[Document],
    label_map: Mapping[str, str | None],
    *,
    unknown: str | None = None,
) -> list[Document]:
    """Rename span labels with ``label_map``; a label mapped to None drops the span.

    A label missing from the map raises :class:`SpanError` naming it, unless
    ``unknown`` is given, which is then used as the new label.

    >>> doc = Document("s-1", "قصف حلب", (Span(4, 7, "LOC"),))
    >>> map_labels([doc], {"LOC": "PLACE"})[0].spans[0].label
    'PLACE'
    >>> map_labels([doc], {"LOC": None})[0].spans
    ()
    """
    out = []
    for doc in docs:
        spans = []
        for span in doc.spans:
            if span.label in label_map:
                new = label_map[span.label]
            elif unknown is not None:
                new = unknown
            else:
                where = f"document {doc.id!r}: span [{span.start}, {span.end})"
                raise SpanError(
                    f"{where} {doc.span_text(span)!r}: label {span.label!r} is not in the "
                    f"label map ({', '.join(sorted(label_map))})"
                )
            if new is not None:
                spans.append(replace(span, label=new))
        out.append(doc.with_spans(spans))
    return out

"""Public corpora as extra training data: label maps, partial labels, sampling.

A corpus is read by path (never copied into the repository), its labels mapped
onto ours. Types that may or may not be ours become ``UNKNOWN`` spans, whose
subwords are left out of the loss instead of being taught as ``O``.
"""

from __future__ import annotations

import glob
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from arner.config import DROP, UNKNOWN, CorpusConfig
from arner.formats.conll import ConllReport, map_labels, read_conll
from arner.numbers import parse_number
from arner.spans import Document, Span, read_jsonl
from arner.text import tokenize


def corpus_files(pattern: str, exclude: str = "") -> list[Path]:
    """The files a corpus path names: itself, or a glob's matches (sorted) less ``exclude``'s."""
    if not glob.has_magic(pattern):
        return [Path(pattern)] if Path(pattern).exists() else []
    left_out = set(glob.glob(exclude)) if exclude else set()
    return [Path(p) for p in sorted(glob.glob(pattern)) if p not in left_out]


def load_corpus(corpus: CorpusConfig, labels: Sequence[str], *, dev: bool = False) -> list[Document] | None:
    """The corpus's documents with mapped labels (``dev``: those of ``dev_path``), or
    None (with a message) when its path matches nothing."""
    pattern = corpus.dev_path if dev else corpus.path
    paths = corpus_files(pattern, exclude="" if dev else corpus.dev_path)
    if not paths:
        print(f"corpus {corpus.name}: {pattern} is absent, skipped", file=sys.stderr)
        return None
    if corpus.format == "jsonl":
        docs = [doc for path in paths for doc in read_jsonl(path, labels=None)]
    else:
        report = ConllReport()
        docs = [doc for path in paths for doc in read_conll(path, doc_prefix=corpus.name, report=report)]
        print(f"corpus {corpus.name}: {report.sentences} sentences, {report.spans} spans, "
              f"{report.stray_inside_fixed} stray I- read as starts, {report.nested_dropped} nested dropped",
              file=sys.stderr)
    targets = {source: (None if target == DROP else target) for source, target in corpus.label_map.items()}
    identity = {label: label for label in labels}
    docs = map_labels(docs, {**identity, **targets})
    if corpus.numbers_unknown:
        docs = [mark_numbers_unknown(d) for d in docs]
    if corpus.skip_documents_with:
        skip = set(corpus.skip_documents_with)
        kept = [d for d in docs if not any(s.label in skip for s in d.spans)]
        print(f"corpus {corpus.name}: {len(docs) - len(kept)} of {len(docs)} document(s) with "
              f"{'/'.join(sorted(skip))} spans skipped", file=sys.stderr)
        docs = kept
    if corpus.join > 1:
        docs = pack_documents(docs, corpus.join)
    return [Document(d.id, d.text, d.spans, {"source_id": d.id, "corpus": corpus.name}) for d in docs]


def pack_documents(docs: Sequence[Document], size: int, separator: str = "\n") -> list[Document]:
    """Documents joined ``size`` at a time in the order given (file order, or
    shuffled), one line (or ``separator``) apart, spans shifted.

    >>> docs = [Document("a", "قتل 3", (Span(4, 5, "CASUALTY"),)), Document("b", "في حلب", (Span(3, 6, "PLACE"),))]
    >>> (packed,) = pack_documents(docs, 2)
    >>> packed.id, [packed.span_text(s) for s in packed.spans]
    ('a+b', ['3', 'حلب'])
    """
    out = []
    for first in range(0, len(docs), size):
        group = docs[first : first + size]
        text, spans = "", []
        for doc in group:
            offset = len(text) + (len(separator) if text else 0)
            text = f"{text}{separator}{doc.text}" if text else doc.text
            spans += [Span(s.start + offset, s.end + offset, s.label) for s in doc.spans]
        source = "+".join(d.extra.get("source_id", d.id) for d in group)
        out.append(Document("+".join(d.id for d in group), text, tuple(spans), {"source_id": source, "variant": 0}))
    return out


def mark_numbers_unknown(doc: Document) -> Document:
    """Add ``UNKNOWN`` spans over number tokens (digits or number words) not inside another span.

    Corpora that never mark casualties would otherwise teach ``قتل ثلاثة`` as O.

    >>> doc = mark_numbers_unknown(Document("d", "قتل 5 وأصيب ثلاثة في حلب", (Span(21, 24, "PLACE"),)))
    >>> [(doc.span_text(s), s.label) for s in doc.spans]
    [('5', 'UNKNOWN'), ('ثلاثة', 'UNKNOWN'), ('حلب', 'PLACE')]
    """
    taken = [(s.start, s.end) for s in doc.spans]
    extra = [
        Span(tok.start, tok.end, UNKNOWN)
        for tok in tokenize(doc.text)
        if (any(ch.isdigit() for ch in tok.text) or parse_number(tok.text) is not None)
        and not any(a < tok.end and tok.start < b for a, b in taken)
    ]
    return doc.with_spans([*doc.spans, *extra])


def sample_training(docs: Sequence[Document], corpus: CorpusConfig, seed: int) -> list[Document]:
    """``weight`` x the documents (sampled below 1, repeated above), then the cap.

    >>> from arner.config import CorpusConfig
    >>> docs = [Document(str(i), "x") for i in range(10)]
    >>> len(sample_training(docs, CorpusConfig(weight=0.5), 0)), len(sample_training(docs, CorpusConfig(weight=2.5), 0))
    (5, 25)
    >>> len(sample_training(docs, CorpusConfig(weight=2.0, max_documents=12), 0))
    12
    """
    rng = random.Random(seed)
    whole, fraction = divmod(corpus.weight, 1.0)
    picked = list(docs) * int(whole) + rng.sample(list(docs), round(fraction * len(docs)))
    rng.shuffle(picked)
    return picked[: corpus.max_documents] if corpus.max_documents else picked


def split_corpus(docs: Sequence[Document], corpus: CorpusConfig, seed: int) -> tuple[list[Document], list[Document]]:
    """``(train, dev)``: ``dev_documents`` held out at random under the seed."""
    order = list(docs)
    random.Random(seed).shuffle(order)
    return order[corpus.dev_documents :], order[: corpus.dev_documents]

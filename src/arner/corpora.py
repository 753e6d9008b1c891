"""Public corpora as extra training data: label maps, partial labels, sampling.

A corpus is read by path (never copied into the repository), its labels mapped
onto ours. Types that may or may not be ours become ``UNKNOWN`` spans, whose
subwords are left out of the loss instead of being taught as ``O``.

The public benchmarks that ``evaluate.py --corpus`` scores on are read here too
(:func:`load_benchmark`), with the same label maps in one form
(:func:`label_targets`): a dropped label is ``O`` in configs and ``null`` in a
``--label-map`` file, and ``None`` once read.
"""

from __future__ import annotations

import glob
import random
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from arner.config import UNKNOWN, CorpusConfig
from arner.coordination import conjunction_at
from arner.formats.conll import ConllReport, map_labels, read_conll
from arner.numbers import parse_number
from arner.spans import LABELS, OUTSIDE, Document, Span, read_jsonl
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
    targets = label_targets(corpus.label_map)
    identity = {label: label for label in labels}
    docs = map_labels(docs, {**identity, **targets})
    if corpus.split_proclitics:
        lexicon = span_first_words(docs)
        docs = [split_proclitics(d, lexicon) for d in docs]
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


def span_first_words(docs: Sequence[Document]) -> frozenset[str]:
    """The first word of every span: a corpus's own evidence of which words are names."""
    return frozenset(doc.text[s.start : s.end].split(maxsplit=1)[0] for doc in docs for s in doc.spans
                     if doc.text[s.start : s.end].strip())


def split_proclitics(doc: Document, lexicon: frozenset[str]) -> Document:
    """Move each span's start past a proclitic glued to its first word, as GUIDELINES
    puts proclitics outside spans; ANERcorp tags ``وبريطانيا`` whole.

    The cut is the tokenizer's own rule (:func:`arner.text.tokenize` with
    ``split_clitics``), with ``lexicon`` as the known names, so ``بغداد`` and
    ``لبنان`` keep their first letter; and, for names it does not know, the
    coordination rule (:mod:`arner.coordination`): ``و`` glued to a name right after
    another of its label is a conjunction (``أشبيلية وقرطبة``).

    >>> doc = Document("d", "وصل وبريطانيا ولبنان والصين ووهران", tuple(Span(a, b, "PLACE") for a, b in ((4, 13), (14, 20), (21, 27), (28, 34))))
    >>> [doc.span_text(s) for s in split_proclitics(doc, frozenset({"بريطانيا", "لبنان"})).spans]
    ['بريطانيا', 'لبنان', 'الصين', 'وهران']
    """
    spans: list[Span] = []
    for span in sorted(doc.spans, key=lambda s: s.start):
        tokens = tokenize(doc.text[span.start : span.end], split_clitics=True, lexicon=lexicon)
        cut = tokens[1].start if len(tokens) > 1 and tokens[0].clitic else 0
        # the corpus's own lexicon holds its glued forms (وقرطبة), so the conjunction
        # rule reads the word without it
        if not cut and conjunction_at(doc.text, span.start, spans[-1] if spans else None, span.label, ()):
            cut = 1
        spans.append(Span(span.start + cut, span.end, span.label, span.extra))
    return doc.with_spans(spans)


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


# ---------------------------------------------------------------- public benchmarks

#: Corpus label -> arner label; ``None`` drops the label (its spans become O).
CORPUS_LABEL_MAPS: dict[str, dict[str, str | None]] = {
    "anercorp": {"LOC": "PLACE", "PERS": None, "ORG": None, "MISC": None},
    "aqmar": {"LOC": "PLACE", "PER": None, "ORG": None, "MIS": None},
}
#: Candidate file names per corpus and split, first existing wins: the official
#: CAMeL Lab ANERcorp files before the rebuilt ones in ../shared/corpora.
CORPUS_FILES: dict[str, dict[str, tuple[str, ...]]] = {
    "anercorp": {
        split: (f"ANERCorp_CamelLab_{split}.txt", f"ANERCorp_CamelLab_{split}_RECONSTRUCTED.txt")
        for split in ("train", "test")
    },
    "aqmar": {split: (f"{split}.txt",) for split in ("train", "dev", "test")},
}


class CorpusError(ValueError):
    """A benchmark corpus or label map that cannot be read; the message names the file and entry."""


def label_targets(label_map: Mapping[str, str | None]) -> dict[str, str | None]:
    """A label map in its one internal form: corpus label -> label, ``None`` to drop.

    >>> label_targets({"LOC": "PLACE", "PERS": "O", "ORG": None})
    {'LOC': 'PLACE', 'PERS': None, 'ORG': None}
    """
    return {source: (None if target in (None, OUTSIDE) else target) for source, target in label_map.items()}


def corpus_path(corpus: str, corpus_dir: str | Path, split: str = "test") -> Path:
    """The CoNLL file of ``corpus``'s ``split`` inside ``corpus_dir``."""
    if corpus not in CORPUS_FILES:
        raise CorpusError(f"unknown corpus {corpus!r}; expected one of {', '.join(CORPUS_FILES)}")
    names = CORPUS_FILES[corpus].get(split)
    if names is None:
        raise CorpusError(
            f"corpus {corpus!r} has no split {split!r}; expected one of {', '.join(CORPUS_FILES[corpus])}"
        )
    for name in names:
        if (Path(corpus_dir) / name).is_file():
            return Path(corpus_dir) / name
    raise CorpusError(f"{corpus_dir}: no {corpus} {split} file (looked for {', '.join(names)})")


def load_label_map(path: str | Path) -> dict[str, str | None]:
    """A YAML mapping corpus label -> label, or ``O`` or null (dropped), checked and
    read by :func:`label_targets`. Raises :class:`CorpusError` naming the file and entry."""
    import yaml  # only the --label-map path needs it

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CorpusError(f"{path}: unreadable YAML: {err}") from None
    if not isinstance(raw, dict) or not raw:
        raise CorpusError(f"{path}: expected a mapping of corpus label -> label, O or null, got {raw!r}")
    for key, value in raw.items():
        if not isinstance(key, str) or (value not in (None, OUTSIDE) and value not in LABELS):
            raise CorpusError(f"{path}: entry {key!r}: {value!r} is not one of {', '.join(LABELS)}, O or null")
    return label_targets(raw)


def load_benchmark(
    corpus: str, corpus_dir: str | Path, split: str = "test", label_map: Mapping[str, str | None] | None = None
) -> tuple[list[Document], Path]:
    """Gold documents of a public corpus with our labels (see :data:`CORPUS_LABEL_MAPS`),
    ids ``{corpus}-{split}-{n}``, and the file they came from."""
    path = corpus_path(corpus, corpus_dir, split)
    mapping = label_targets(label_map if label_map is not None else CORPUS_LABEL_MAPS[corpus])
    return map_labels(read_conll(path, doc_prefix=f"{corpus}-{split}"), mapping), path


def mapped_labels(label_map: Mapping[str, str | None]) -> tuple[str, ...]:
    """The labels a map produces, in :data:`arner.spans.LABELS` order.

    >>> mapped_labels(CORPUS_LABEL_MAPS["anercorp"])
    ('PLACE',)
    """
    return tuple(label for label in LABELS if label in label_map.values())

"""The seeded dataset: seed gold -> sentences -> leakage-safe splits -> variants.

Splits are made over *source sentences* before augmentation, so every variant of
a sentence lives in the split of its source and no dev or test sentence leaks
into training. The held-out evaluation set is only read to prove that none of
its sentences appears in the training data.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arner.augment import AugmentOptions, augment_document, variant_rng
from arner.config import CorpusConfig, DataConfig
from arner.corpora import load_corpus, pack_documents, sample_training, split_corpus
from arner.gazetteers import Gazetteers, load_gazetteers
from arner.invent import rename_mentions
from arner.perturb import respell_documents
from arner.spans import LABELS, Document, Span, SpanError, read_jsonl, write_jsonl
from arner.text import normalize, sentences

SPLITS = ("train", "dev", "test")


@dataclass
class BuildResult:
    """What :func:`build_dataset` produced, with its statistics."""

    splits: dict[str, list[Document]]
    duplicates_skipped: int = 0
    stats: dict[str, dict[str, int]] = field(default_factory=dict)


def split_sentences(doc: Document) -> list[Document]:
    """One document per sentence of ``doc``, spans re-based onto the sentence.

    A span that crosses a sentence boundary is an error: it would be cut.
    """
    out = []
    bounds = sentences(doc.text)
    for number, (start, end) in enumerate(bounds, start=1):
        inside = [s for s in doc.spans if start <= s.start and s.end <= end]
        out.append(
            Document(
                f"{doc.id}-s{number:02d}",
                doc.text[start:end],
                tuple(Span(s.start - start, s.end - start, s.label) for s in inside),
                {"source_id": f"{doc.id}-s{number:02d}", "variant": 0},
            )
        )
    kept = sum(len(d.spans) for d in out)
    if kept != len(doc.spans):
        crossing = [s for s in doc.spans if not any(a <= s.start and s.end <= b for a, b in bounds)]
        raise SpanError(
            f"document {doc.id!r}: {len(crossing)} span(s) cross a sentence boundary, first "
            f"[{crossing[0].start}, {crossing[0].end}) {doc.span_text(crossing[0])!r}"
        )
    return out


def assign_splits(sentence_docs: Sequence[Document], config: DataConfig) -> dict[str, list[Document]]:
    """Shuffle source sentences under the seed and deal them into dev, test, train.

    Only sentences with at least one span go to dev and test, so those splits
    measure something.
    """
    if config.dev_sentences + config.test_sentences >= len(sentence_docs):
        raise ValueError(
            f"dev_sentences={config.dev_sentences} + test_sentences={config.test_sentences} "
            f"leave no training sentence out of {len(sentence_docs)}"
        )
    order = list(sentence_docs)
    random.Random(config.seed).shuffle(order)
    held = [d for d in order if d.spans]
    dev = held[: config.dev_sentences]
    test = held[config.dev_sentences : config.dev_sentences + config.test_sentences]
    taken = {d.id for d in dev + test}
    return {"train": [d for d in order if d.id not in taken], "dev": dev, "test": test}


def expand(docs: Iterable[Document], config: DataConfig, gazetteers,
           variants: int | None = None) -> tuple[list[Document], int]:
    """Originals (if kept) plus ``variants`` (default ``variants_per_sentence``) variants
    of each; duplicates dropped."""
    options = AugmentOptions(
        config.substitute_militia, config.substitute_place, config.rewrite_casualty,
        tuple(config.number_styles), config.quote_mentions, config.tatweel_mentions,
    )
    variants = config.variants_per_sentence if variants is None else variants
    out: list[Document] = []
    skipped = 0
    for doc in docs:
        seen = {doc.text} if config.keep_original else set()
        if config.keep_original:
            out.append(doc)
        for k in range(1, variants + 1):
            variant = augment_document(doc, gazetteers, variant_rng(config.seed, doc.id, k), options)
            if variant.text in seen:
                skipped += 1
                continue
            seen.add(variant.text)
            out.append(Document(f"{doc.id}~{k:03d}", variant.text, variant.spans,
                                {"source_id": doc.id, "variant": k}))
    return out, skipped


def build_dataset(config: DataConfig) -> BuildResult:
    """The seeded dataset (seed split by sentence, each split augmented) plus corpora."""
    result = BuildResult({name: [] for name in SPLITS})
    gazetteers = load_gazetteers(config.gazetteers) if config.seed_gold or any(
        c.variants or c.invent_names for c in config.corpora) else None
    if config.seed_gold:
        seed_docs = read_jsonl(config.seed_gold, labels=config.labels)
        sentence_docs = [s for doc in seed_docs for s in split_sentences(doc)]
        for name, docs in assign_splits(sentence_docs, config).items():
            expanded, skipped = expand(docs, config, gazetteers)
            result.splits[name] += expanded
            result.duplicates_skipped += skipped
    held_out = {d.text.strip() for docs in scored_sets(config).values() for d in docs}
    for index, corpus in enumerate(config.corpora):
        docs = load_corpus(corpus, config.labels)
        if docs is None:
            continue
        train, dev = split_corpus(_held_out_removed(docs, held_out, corpus.name), corpus, config.seed + index)
        if corpus.dev_path:
            dev += _held_out_removed(load_corpus(corpus, config.labels, dev=True) or [], held_out, corpus.name)
        result.splits["train"] += _training_documents(train, corpus, config, gazetteers, index, result)
        result.splits["dev"] += dev
    for name in ("train", "dev"):
        if not result.splits[name]:
            raise ValueError(f"the {name} split is empty: check data.seed_gold, data.corpora and their paths")
    check_no_leakage(result.splits, sorted(held_out))
    result.stats = dataset_stats(result.splits)
    return result


def _training_documents(train: list[Document], corpus: CorpusConfig, config: DataConfig,
                        gazetteers: Gazetteers | None, index: int, result: BuildResult) -> list[Document]:
    """A corpus's training documents: renamed, respelled, expanded, packed and sampled as it asks."""
    if corpus.invent_names:
        # names of the lists and of the corpus itself are never invented by accident
        avoid = gazetteers.all_names() | {d.text[s.start:s.end] for d in train for s in d.spans}
        train = [rename_mentions(d, corpus.invent_names, variant_rng(config.seed, d.id, 0), avoid)
                 for d in train]
    if corpus.respell:
        train = respell_documents(train, corpus.respell, config.seed + index)
    if corpus.variants:
        train, skipped = expand(train, config, gazetteers, variants=corpus.variants)
        result.duplicates_skipped += skipped
    if corpus.pack > 1:
        train = pack_documents(train, corpus.pack)
    return sample_training(train, corpus, config.seed + index)


def _held_out_removed(docs: list[Document], texts: set[str], name: str) -> list[Document]:
    """Corpus sentences that repeat a scored sentence (short ones like ``أم .`` do) are
    left out: otherwise the scores would be measured on training data."""
    kept = [d for d in docs if d.text.strip() not in texts]
    if len(kept) < len(docs):
        print(f"corpus {name}: {len(docs) - len(kept)} document(s) whose text is also in a scored set "
              f"left out of training", file=sys.stderr)
    return kept


def scored_labels(config: DataConfig, set_name: str, docs: Sequence[Document]) -> list[str]:
    """The labels a scored set can be judged on: a test corpus only on the labels its
    map produces or its gold uses (ANERcorp's test split mapped for the quickstart has
    places, but no militias or casualties; with no map it keeps its own four types)."""
    for corpus in config.test_corpora:
        if corpus.name == set_name:
            produced = set(corpus.label_map.values()) | {s.label for d in docs for s in d.spans}
            return [label for label in config.labels if label in produced]
    return list(config.labels)


def scored_sets(config: DataConfig) -> dict[str, list[Document]]:
    """Sets scored after training only: the evaluation set and the test corpora."""
    sets: dict[str, list[Document]] = {}
    if config.eval_set:
        sets["eval"] = read_jsonl(config.eval_set, labels=config.labels)
    for corpus in config.test_corpora:
        docs = load_corpus(corpus, config.labels)
        if docs is not None:
            sets[corpus.name] = [d.with_spans(s for s in d.spans if s.label in config.labels) for d in docs]
    return sets


def check_no_leakage(splits: dict[str, list[Document]], eval_texts: Sequence[str]) -> None:
    """Raise when a dev/test source or an evaluation sentence reaches training."""
    train_sources = {d.extra.get("source_id", d.id) for d in splits["train"]}
    for name in ("dev", "test"):
        shared = train_sources & {d.extra.get("source_id", d.id) for d in splits[name]}
        if shared:
            raise ValueError(f"source sentence(s) {sorted(shared)} are in both train and {name}")
    train_texts = {d.text.strip() for d in splits["train"]}
    leaked = [t for t in eval_texts if t.strip() in train_texts]
    if leaked:
        raise ValueError(f"{len(leaked)} evaluation sentence(s) appear in training, first {leaked[0]!r}")


NGRAM = 5
NEAR_DUPLICATE = 0.5


def word_ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """Word n-grams of ``text`` after folding (diacritics, tatweel, alef forms, punctuation);
    a text shorter than ``n`` words is one gram.

    >>> sorted(word_ngrams("قُتل 3 من داعش.", 3))
    [('3', 'من', 'داعش'), ('قتل', '3', 'من')]
    """
    words = [w for w in re.split(r"[^\w]+", normalize(text).text) if w]
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def near_duplicates(docs: Sequence[Document], references: Sequence[Document], *, n: int = NGRAM,
                    threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str, float]]:
    """``(doc id, reference id, overlap)`` for each doc whose word n-grams overlap a
    reference's by ``threshold`` or more (shared n-grams over the shorter side's), the
    reference with the largest overlap; an exact repeat has overlap 1.0."""
    grams = [word_ngrams(r.text, n) for r in references]
    index: dict[tuple[str, ...], list[int]] = {}
    for i, ref_grams in enumerate(grams):
        for gram in ref_grams:
            index.setdefault(gram, []).append(i)
    found = []
    for doc in docs:
        mine = word_ngrams(doc.text, n)
        shared: dict[int, int] = {}
        for gram in mine:
            for i in index.get(gram, ()):
                shared[i] = shared.get(i, 0) + 1
        best = max(((count / min(len(mine), len(grams[i])), i) for i, count in shared.items()), default=None)
        if best and best[0] >= threshold:
            found.append((doc.id, references[best[1]].id, round(best[0], 3)))
    return found


def dataset_stats(splits: dict[str, list[Document]]) -> dict[str, dict[str, int]]:
    """Sentences (sources), examples and spans per label, per split."""
    stats = {}
    for name, docs in splits.items():
        row = {"sentences": len({d.extra.get("source_id", d.id) for d in docs}), "examples": len(docs)}
        row.update({label: 0 for label in LABELS})
        for doc in docs:
            for span in doc.spans:
                row[span.label] = row.get(span.label, 0) + 1
        stats[name] = row
    return stats


def stats_table(stats: dict[str, dict[str, int]]) -> str:
    """A Markdown table of :func:`dataset_stats`.

    >>> print(stats_table({"train": {"sentences": 2, "examples": 5, "MILITIA": 3, "PLACE": 1, "CASUALTY": 0}}))
    | split | sentences | examples | MILITIA | PLACE | CASUALTY |
    |---|---:|---:|---:|---:|---:|
    | train | 2 | 5 | 3 | 1 | 0 |
    """
    labels = dict.fromkeys(label for row in stats.values() for label in row if label not in ("sentences", "examples"))
    columns = ["sentences", "examples", *labels]
    lines = ["| split | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, row in stats.items():
        lines.append(f"| {name} | " + " | ".join(str(row.get(c, 0)) for c in columns) + " |")
    return "\n".join(lines)


def to_dataset_dict(splits: dict[str, list[Document]]):
    """A :class:`datasets.DatasetDict` with id, text, spans, source_id and variant columns."""
    from datasets import Dataset, DatasetDict, Features, Value

    features = Features({
        "id": Value("string"), "text": Value("string"), "source_id": Value("string"),
        "variant": Value("int32"),
        "spans": [{"start": Value("int32"), "end": Value("int32"), "label": Value("string")}],
    })
    # from_dict, not from_list: an empty list (test_sentences: 0) would lose the columns.
    out = {}
    for name, docs in splits.items():
        rows = [_row(d) for d in docs]
        out[name] = Dataset.from_dict({key: [row[key] for row in rows] for key in features}, features=features)
    return DatasetDict(out)


def _row(doc: Document) -> dict:
    return {
        "id": doc.id, "text": doc.text, "source_id": doc.extra.get("source_id", doc.id),
        "variant": doc.extra.get("variant", 0),
        "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in doc.spans],
    }


def save_dataset(result: BuildResult, output_dir: str | Path) -> Path:
    """Write ``dataset/`` (DatasetDict), ``{split}.jsonl``, ``stats.json`` and ``stats.md``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()  # one line of stats says more than a bar per split
    to_dataset_dict(result.splits).save_to_disk(str(output_dir / "dataset"))
    for name, docs in result.splits.items():
        write_jsonl(docs, output_dir / f"{name}.jsonl")
    (output_dir / "stats.json").write_text(
        json.dumps({"splits": result.stats, "duplicates_skipped": result.duplicates_skipped}, indent=2),
        encoding="utf-8",
    )
    (output_dir / "stats.md").write_text(stats_table(result.stats) + "\n", encoding="utf-8")
    return output_dir

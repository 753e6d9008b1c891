"""Scoring predicted spans against gold spans: one entry point, many views.

The package is split by role, as nervaluate 1.x splits its own: :mod:`.loaders`
(reading and pairing the two sides), :mod:`.matching` (span pairs), :mod:`.scores`
(P/R/F1, SemEval, casualty values, seqeval), :mod:`.bootstrap` (intervals and run
comparison) and :mod:`.evaluator` (the pass over the documents). Corpus loading
is :mod:`arner.corpora`'s; the per-document file is :mod:`arner.report`'s.

:func:`evaluate_documents` pairs gold and predicted documents by id and returns
one JSON-ready dict (see :mod:`arner.report` for metrics.json and report.md):

- ``span_exact``: spans on character offsets, correct only when start, end and
  label all match;
- ``semeval``: the SemEval-2013 task 9.1 view, counted as nervaluate >= 1.0 counts
  it: every gold/predicted pair is COR, INC, PAR, MIS or SPU under four schemes
  (``strict``, ``exact`` boundaries, ``partial`` boundaries, ``type`` only);
  ``per_label`` filters both sides by the label first (nervaluate's 1.x rule);
- ``span_partial``: the ``partial`` scheme (an overlap earns half) per label,
  label by label as in ``semeval``'s ``per_label``, in the layout of ``span_exact``;
- ``seqeval_strict`` / ``seqeval_lenient``: seqeval on word-level IOB2 tags over
  the text layer's tokens (:func:`harness_words`: proclitics split);
- ``casualty_value``: a predicted CASUALTY is right when it overlaps a gold one
  and :func:`arner.numbers.parse_number` reads the same count from both;
- 95% bootstrap intervals (``f1_ci``), a type confusion matrix and an error list.

Matching is a maximum one-to-one assignment per document (:func:`match_spans`):
the most overlapping pairs, then the most overlap; identical offsets always pair.
The ``type`` scheme has its own assignment, the most same-label overlaps first
(:func:`type_categories`), since a prediction is type-correct when it overlaps gold
of its own type. POS (gold) and ACT (predictions) always add up. nervaluate 1.2.1
pairs each prediction greedily in text order; that is maximal for the boundary
schemes, but its ``type`` can miss a same-label pair that ours finds.
Precision, recall and F1 are 0 where undefined; ``macro`` averages the labels
that occur in the gold or the predictions (seqeval's rule).

>>> text = "قتل 4 من داعش في دير الزور"
>>> casualty, militia, place = Span(4, 5, "CASUALTY"), Span(9, 13, "MILITIA"), Span(17, 26, "PLACE")
>>> gold = [Document("d1", text, (casualty, militia, place))]
>>> pred = [Document("d1", text, (casualty, Span(9, 13, "PLACE")))]
>>> scores = evaluate_documents(gold, pred, bootstrap=0)
>>> scores["span_exact"]["micro"]["f1"], scores["semeval"]["overall"]["exact"]["COR"]
(0.4, 2)
"""

from arner.metrics.bootstrap import CI_LEVEL, bootstrap_sums, compare_runs
from arner.metrics.evaluator import error_record, evaluate_documents, gold_fingerprint
from arner.metrics.loaders import EvaluationError, Source, first_difference, pair_documents, read_documents
from arner.metrics.matching import KINDS, Match, match_spans, type_categories
from arner.metrics.scores import (
    SCHEMES,
    casualty_counts,
    harness_words,
    label_table,
    prf,
    semeval_scores,
    seqeval_scores,
    taggable_spans,
)
from arner.spans import Document, Span  # the docstring's example

__all__ = [
    "CI_LEVEL",
    "EvaluationError",
    "KINDS",
    "Match",
    "SCHEMES",
    "Source",
    "bootstrap_sums",
    "casualty_counts",
    "compare_runs",
    "error_record",
    "evaluate_documents",
    "first_difference",
    "gold_fingerprint",
    "harness_words",
    "label_table",
    "match_spans",
    "pair_documents",
    "prf",
    "read_documents",
    "semeval_scores",
    "seqeval_scores",
    "taggable_spans",
    "type_categories",
]

"""Every figure of an evaluation stays put: data/eval scored on fixed predictions
must give the stored metrics.json, so a restructuring of arner.metrics is proven
to change no number.

The predictions are the gold with a seeded jitter (spans dropped, a word added or
taken away, labels swapped, spurious one-word spans), so matching, SemEval,
seqeval, casualty values and the bootstrap all do real work. After a change that
is meant to move figures, rewrite the expected file and review its diff::

    .venv/bin/python tests/test_metrics_figures.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

import pytest

from arner.metrics import evaluate_documents, read_documents
from arner.report import write_report
from arner.spans import LABELS, Document, Span, validate_document
from arner.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "data" / "eval" / "conflict_news.spans.jsonl"
EXPECTED = ROOT / "tests" / "data" / "expected_eval_metrics.json"
SEED, BOOTSTRAP = 12, 200


def _jitter_span(span: Span, text: str, rng: random.Random) -> Span | None:
    roll = rng.random()
    if roll < 0.10:
        return None  # missed
    if roll < 0.20:  # boundary: one word less, or one word more
        inner = tokenize(text[span.start : span.end])
        after = [t for t in tokenize(text) if t.start >= span.end]
        if len(inner) > 1:
            return Span(span.start, span.start + inner[-2].end, span.label)
        if after:
            return Span(span.start, after[0].end, span.label)
    if roll < 0.25:  # type
        return Span(span.start, span.end, rng.choice([x for x in LABELS if x != span.label]))
    return span


def jitter(doc: Document, rng: random.Random) -> Document:
    """A plausible prediction for ``doc``; the gold itself when a change would overlap."""
    spans = [s for s in (_jitter_span(s, doc.text, rng) for s in doc.spans) if s is not None]
    if rng.random() < 0.3:  # spurious
        free = [t for t in tokenize(doc.text) if not any(s.start < t.end and t.start < s.end for s in spans)]
        if free:
            token = rng.choice(free)
            spans.append(Span(token.start, token.end, rng.choice(LABELS)))
    pred = doc.with_spans(spans)
    return pred if not validate_document(pred) else doc


def eval_metrics_json(out: Path) -> dict:
    """metrics.json of data/eval scored on its jittered predictions, written to ``out``."""
    gold, gold_source = read_documents(GOLD)
    rng = random.Random(SEED)
    pred = [jitter(doc, rng) for doc in gold]
    metrics = evaluate_documents(gold, pred, bootstrap=BOOTSTRAP, seed=SEED, gold_source=gold_source)
    paths = write_report(metrics, out, plot=False)
    return json.loads(paths["metrics"].read_text(encoding="utf-8"))


def _flatten(obj, prefix: str = "") -> dict[str, object]:
    if isinstance(obj, dict):
        return {k: v for key, value in obj.items() for k, v in _flatten(value, f"{prefix}/{key}").items()}
    if isinstance(obj, list):
        return {k: v for i, value in enumerate(obj) for k, v in _flatten(value, f"{prefix}[{i}]").items()}
    return {prefix: obj}


def test_eval_metrics_equal_the_stored_figures(tmp_path: Path) -> None:
    actual, expected = _flatten(eval_metrics_json(tmp_path / "eval")), _flatten(json.loads(EXPECTED.read_text("utf-8")))
    assert sorted(actual) == sorted(expected)
    changed = {
        key: (expected[key], actual[key])
        for key in expected
        if actual[key] != (pytest.approx(expected[key], rel=1e-12) if isinstance(expected[key], float) else expected[key])
    }
    assert not changed, f"{len(changed)} figure(s) changed (expected, actual): {dict(list(changed.items())[:10])}"


def test_the_jitter_leaves_every_kind_of_error() -> None:
    """The fixed predictions exercise each path, so the stored figures guard each one."""
    kinds = json.loads(EXPECTED.read_text("utf-8"))["semeval"]["overall"]["strict"]
    assert min(kinds[c] for c in ("COR", "INC", "MIS", "SPU")) > 0
    assert json.loads(EXPECTED.read_text("utf-8"))["semeval"]["overall"]["partial"]["PAR"] > 0


if __name__ == "__main__":  # rewrite the expected file from the current code
    with tempfile.TemporaryDirectory() as scratch:
        figures = eval_metrics_json(Path(scratch) / "eval")
    EXPECTED.parent.mkdir(exist_ok=True)
    EXPECTED.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {EXPECTED}", file=sys.stderr)

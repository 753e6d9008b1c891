"""arner.metrics: span matching, SemEval counts, seqeval, casualty values, bootstrap, errors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from arner.formats.iob2 import spans_to_tags
from arner.metrics import (
    EvaluationError,
    bootstrap_sums,
    casualty_counts,
    compare_runs,
    evaluate_documents,
    match_spans,
    read_documents,
    seqeval_scores,
    taggable_spans,
    type_categories,
)
from arner.spans import LABELS, Document, Span, SpanError
from arner.text import tokenize

# One sentence with a pair of every SemEval kind (offsets found with str.index below).
TEXT = (
    "قصفت طائرات إسرائيلية مواقع حزب الله اللبناني في ريف حمص الشرقي "
    "وقتلت 12 عنصراً من لواء فاطميون قرب مطار التيفور"
)


def at(text: str, surface: str, label: str) -> Span:
    start = text.index(surface)
    return Span(start, start + len(surface), label)


GOLD = Document(
    "d1",
    TEXT,
    (
        at(TEXT, "حزب الله اللبناني", "MILITIA"),
        at(TEXT, "ريف حمص الشرقي", "PLACE"),
        at(TEXT, "12", "CASUALTY"),
        at(TEXT, "لواء فاطميون", "MILITIA"),
        at(TEXT, "مطار التيفور", "PLACE"),
    ),
)
PRED = Document(
    "d1",
    TEXT,
    (
        at(TEXT, "إسرائيلية", "PLACE"),  # spurious (a nationality adjective is no place)
        at(TEXT, "حزب الله اللبناني", "MILITIA"),  # correct
        at(TEXT, "حمص", "PLACE"),  # boundary: inside ريف حمص الشرقي, same label
        at(TEXT, "لواء فاطميون", "PLACE"),  # type: same offsets, wrong label
        at(TEXT, "التيفور", "MILITIA"),  # boundary and type: inside مطار التيفور, wrong label
    ),
)  # missed: 12 has no prediction


@pytest.fixture(scope="module")
def scored() -> dict:
    return evaluate_documents([GOLD], [PRED], bootstrap=0)


def test_match_kinds_in_text_order() -> None:
    kinds = [(m.kind, m.label) for m in match_spans(GOLD.spans, PRED.spans)]
    assert kinds == [
        ("spurious", "PLACE"),
        ("correct", "MILITIA"),
        ("boundary", "PLACE"),
        ("missed", "CASUALTY"),
        ("type", "MILITIA"),
        ("boundary_and_type", "PLACE"),
    ]


def test_span_exact_hand_counts(scored: dict) -> None:
    exact = scored["span_exact"]
    # MILITIA: tp حزب الله اللبناني; fp التيفور (predicted MILITIA);
    # fn لواء فاطميون (predicted PLACE)
    assert_has(exact["per_label"]["MILITIA"], {"tp": 1, "fp": 1, "fn": 1, "support": 2, "f1": 0.5})
    # PLACE: no tp; fp إسرائيلية, حمص, لواء فاطميون; fn ريف حمص الشرقي, مطار التيفور
    assert_has(
        exact["per_label"]["PLACE"], {"tp": 0, "fp": 3, "fn": 2, "precision": 0.0, "f1": 0.0}
    )
    # CASUALTY: fn 12
    assert_has(exact["per_label"]["CASUALTY"], {"tp": 0, "fp": 0, "fn": 1, "recall": 0.0})
    # micro: tp 1, fp 4, fn 4 -> P = R = F1 = 1/5; macro F1 = (0.5 + 0 + 0) / 3
    assert_has(exact["micro"], {"tp": 1, "fp": 4, "fn": 4, "precision": 0.2, "recall": 0.2})
    assert exact["micro"]["f1"] == pytest.approx(0.2)
    assert exact["macro"]["f1"] == pytest.approx(1 / 6)


def assert_has(block: dict, expected: dict) -> None:
    assert {key: block[key] for key in expected} == expected


def _counts(block: dict) -> tuple[int, ...]:
    return tuple(block[k] for k in ("COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT"))


def test_semeval_overall_counts_one_per_category(scored: dict) -> None:
    overall = scored["semeval"]["overall"]
    #           COR INC PAR MIS SPU POS ACT
    # strict:   correct | type, boundary, boundary_and_type | - | 12 | إسرائيلية
    assert _counts(overall["strict"]) == (1, 3, 0, 1, 1, 5, 5)
    # exact boundaries: the type error has exact offsets -> COR
    assert _counts(overall["exact"]) == (2, 2, 0, 1, 1, 5, 5)
    # partial: type error COR, the two overlaps PAR -> (2 + 0.5 * 2) / 5
    assert _counts(overall["partial"]) == (2, 0, 2, 1, 1, 5, 5)
    assert overall["partial"]["precision"] == pytest.approx(0.6)
    # type: the same-label overlap (حمص) is COR, both wrong labels INC
    assert _counts(overall["type"]) == (2, 2, 0, 1, 1, 5, 5)
    assert overall["type"]["f1"] == pytest.approx(0.4)


def test_semeval_per_label_matches_each_label_on_its_own(scored: dict) -> None:
    # nervaluate >= 1.0: both sides filtered by label, so a prediction of another
    # label on a gold span is SPU under its own label and the gold span MIS under its
    per_label = scored["semeval"]["per_label"]
    # MILITIA: حزب الله correct; لواء فاطميون (predicted PLACE) MIS; التيفور SPU
    assert _counts(per_label["MILITIA"]["strict"]) == (1, 0, 0, 1, 1, 2, 2)
    # PLACE: حمص inside ريف حمص الشرقي PAR; مطار التيفور (predicted MILITIA) MIS;
    # إسرائيلية and لواء فاطميون (gold MILITIA) SPU
    assert _counts(per_label["PLACE"]["partial"]) == (0, 0, 1, 1, 2, 2, 3)
    assert _counts(per_label["PLACE"]["type"]) == (1, 0, 0, 1, 2, 2, 3)
    assert _counts(per_label["CASUALTY"]["exact"]) == (0, 0, 0, 1, 0, 1, 0)
    partial = scored["span_partial"]["per_label"]
    # PLACE partial: tp 0.5 of ACT 3 and POS 2; no credit for the PLACE on MILITIA gold
    assert (partial["PLACE"]["tp"], partial["PLACE"]["fp"], partial["PLACE"]["fn"]) == (
        0.5,
        2.5,
        1.5,
    )
    assert partial["PLACE"]["precision"] == pytest.approx(1 / 6)
    assert partial["MILITIA"]["f1"] == 0.5  # the type error is no longer a MILITIA match


def test_confusion_and_errors(scored: dict) -> None:
    assert scored["confusion"]["labels"] == ["MILITIA", "PLACE", "CASUALTY", "O"]
    assert scored["confusion"]["matrix"] == [
        [1, 1, 0, 0],  # MILITIA: correct, لواء فاطميون as PLACE
        [1, 1, 0, 0],  # PLACE: مطار التيفور as MILITIA, ريف حمص الشرقي as PLACE (boundary)
        [0, 0, 0, 1],  # CASUALTY: 12 missed
        [0, 1, 0, 0],  # O: إسرائيلية spurious PLACE
    ]
    errors = scored["errors"]
    assert [e["kind"] for e in errors] == [
        "spurious",
        "boundary",
        "missed",
        "type",
        "boundary_and_type",
    ]
    missed = errors[2]
    assert missed["gold"] == {
        "start": TEXT.index("12"),
        "end": TEXT.index("12") + 2,
        "label": "CASUALTY",
        "text": "12",
    }
    assert missed["pred"] is None
    assert missed["left"].endswith("وقتلت ") and missed["right"].startswith(" عنصراً")
    assert len(missed["left"]) == 40


def test_one_to_one_matching_takes_the_larger_overlap() -> None:
    text = "بين دير الزور والبوكمال"
    gold = (at(text, "دير الزور", "PLACE"), at(text, "البوكمال", "PLACE"))
    pred = (at(text, "الزور والبوكمال", "PLACE"),)  # overlaps both: 5 chars and 8 chars
    kinds = [(m.kind, m.gold) for m in match_spans(gold, pred)]
    assert kinds == [("missed", gold[0]), ("boundary", gold[1])]
    overall = evaluate_documents(
        [Document("d", text, gold)], [Document("d", text, pred)], bootstrap=0
    )["semeval"]["overall"]["partial"]
    assert (overall["POS"], overall["ACT"], overall["PAR"], overall["MIS"]) == (2, 1, 1, 1)


def _overall(text: str, gold: tuple[Span, ...], pred: tuple[Span, ...]) -> dict:
    docs = [Document("d", text, gold)], [Document("d", text, pred)]
    return evaluate_documents(*docs, bootstrap=0)["semeval"]["overall"]


def test_matching_maximises_the_pairs_not_the_first_overlap() -> None:
    text = "بين دير الزور وحلب"
    gold = (at(text, "دير الزور", "PLACE"), at(text, "حلب", "PLACE"))
    # الزور وحلب overlaps دير الزور by 5 characters and حلب by 3: taking the larger
    # overlap first would leave دير unpaired and حلب missed
    pred = (at(text, "دير", "PLACE"), at(text, "الزور وحلب", "PLACE"))
    assert [(m.gold, m.pred) for m in match_spans(gold, pred)] == list(zip(gold, pred))
    overall = _overall(text, gold, pred)
    assert _counts(overall["strict"]) == (0, 2, 0, 0, 0, 2, 2)
    assert _counts(overall["partial"]) == (0, 0, 2, 0, 0, 2, 2)
    assert overall["partial"]["f1"] == pytest.approx(0.5)


def test_type_scheme_credits_an_overlap_with_gold_of_the_same_type() -> None:
    text = "قرب حمص قتل 12"
    gold = (at(text, "حمص", "PLACE"), at(text, "12", "CASUALTY"))
    pred = (at(text, "حمص قتل 12", "CASUALTY"),)  # overlaps حمص more, but 12 is a CASUALTY
    overall = _overall(text, gold, pred)
    assert _counts(overall["type"]) == (1, 0, 0, 1, 0, 2, 1)
    assert overall["type"]["f1"] == pytest.approx(2 / 3)
    # the boundary schemes still pair it with the larger overlap, حمص
    assert _counts(overall["strict"]) == (0, 1, 0, 1, 0, 2, 1)


def test_labels_restrict_both_sides() -> None:
    scores = evaluate_documents([GOLD], [PRED], labels=["PLACE"], bootstrap=0)
    assert scores["labels"] == ["PLACE"]
    assert scores["casualty_value"] is None
    assert scores["span_exact"]["micro"]["support"] == 2
    # the MILITIA prediction التيفور is gone, so مطار التيفور is now simply missed
    assert [e["kind"] for e in scores["errors"]].count("missed") == 1
    with pytest.raises(EvaluationError, match="unknown label.*'LOC'"):
        evaluate_documents([GOLD], [PRED], labels=["LOC"], bootstrap=0)


# ---------------------------------------------------------------- casualty values


def test_casualty_values_compare_numbers_not_digits() -> None:
    ascii_doc = Document("d", "قتل 57 شخصاً", (Span(4, 6, "CASUALTY"),))
    indic_doc = Document("d", "قتل ٥٧ شخصاً", (Span(4, 6, "CASUALTY"),))
    assert casualty_counts(ascii_doc, indic_doc) == ((1, 0, 0), [])
    twelve = Document("d", "قتل 12 شخصاً", (Span(4, 6, "CASUALTY"),))
    twenty_one = Document("d", "قتل 21 شخصاً", (Span(4, 6, "CASUALTY"),))
    assert casualty_counts(twelve, twenty_one) == ((0, 1, 1), [])


def test_casualty_value_forgives_a_wider_span_but_not_another_count() -> None:
    text = "وثق المرصد مقتل ما لا يقل عن ٥٧ شخصاً و12 عنصراً"
    gold = Document("d", text, (at(text, "٥٧", "CASUALTY"), at(text, "12", "CASUALTY")))
    pred = Document(
        "d",
        text,
        (
            at(text, "ما لا يقل عن ٥٧ شخصاً", "CASUALTY"),  # wider, still 57: right value
            at(text, "عنصراً", "CASUALTY"),  # overlaps nothing, unreadable
        ),
    )
    scores = evaluate_documents([gold], [pred], bootstrap=0)
    assert scores["span_exact"]["per_label"]["CASUALTY"]["tp"] == 0
    value = scores["casualty_value"]
    assert (value["tp"], value["fp"], value["fn"]) == (1, 1, 1)
    assert value["unparsed"] == [
        {
            "doc_id": "d",
            "side": "pred",
            "start": text.index("عنصراً"),
            "end": text.index("عنصراً") + 6,
            "label": "CASUALTY",
            "text": "عنصراً",
        }
    ]


# ---------------------------------------------------------------- seqeval


def test_seqeval_matches_seqeval_and_strict_differs_from_lenient() -> None:
    gold = [
        ["O", "B-MILITIA", "I-MILITIA", "O", "B-PLACE"],
        ["B-CASUALTY", "O", "B-PLACE", "I-PLACE"],
    ]
    # an I- after O: the default (conlleval) mode reads it as a start, strict IOB2 drops it
    pred = [["O", "I-MILITIA", "I-MILITIA", "O", "B-PLACE"], ["B-CASUALTY", "O", "B-PLACE", "O"]]
    labels = ["MILITIA", "PLACE", "CASUALTY"]
    strict = seqeval_scores(gold, pred, labels, strict=True)
    lenient = seqeval_scores(gold, pred, labels, strict=False)
    for ours, kwargs in ((strict, {"mode": "strict", "scheme": IOB2}), (lenient, {})):
        theirs = classification_report(gold, pred, output_dict=True, zero_division=0, **kwargs)
        assert ours["micro"]["f1"] == pytest.approx(f1_score(gold, pred, **kwargs))
        assert ours["macro"]["f1"] == pytest.approx(theirs["macro avg"]["f1-score"])
        for label in labels:
            assert ours["per_label"][label]["f1"] == pytest.approx(theirs[label]["f1-score"])
            assert ours["per_label"][label]["support"] == theirs[label]["support"]
    assert lenient["micro"]["f1"] == pytest.approx(0.75)  # tp 3, fp 1, fn 1
    assert strict["micro"]["f1"] == pytest.approx(4 / 7)  # tp 2, fp 1, fn 2
    assert strict["invalid_sequences"] == {"gold": 0, "pred": 1}


def test_seqeval_blocks_equal_seqeval_on_the_seed_tags(root: Path) -> None:
    gold, _ = read_documents(root / "data/seed/article.spans.jsonl")
    pred, _ = read_documents(root / "data/eval/perturbed_seed.spans.jsonl")
    scores = evaluate_documents(gold, pred, bootstrap=0)
    tokens = tokenize(gold[0].text, split_clitics=True)
    gold_tags = [spans_to_tags(gold[0].text, gold[0].spans, tokens)]
    pred_tags = [spans_to_tags(pred[0].text, pred[0].spans, tokens)]
    theirs = classification_report(
        gold_tags, pred_tags, output_dict=True, mode="strict", scheme=IOB2
    )
    ours = scores["seqeval_strict"]
    assert ours["micro"]["f1"] == pytest.approx(theirs["micro avg"]["f1-score"])
    for label in ("MILITIA", "PLACE", "CASUALTY"):
        assert ours["per_label"][label]["recall"] == pytest.approx(theirs[label]["recall"])
    # وحزب الله is one word without a lexicon: the gold span widens to it, so the
    # shifted prediction is right at word level although wrong on characters
    assert (
        ours["per_label"]["MILITIA"]["tp"] == scores["span_exact"]["per_label"]["MILITIA"]["tp"] + 1
    )
    assert ours["alignment"]["gold"]["widened"] == 5


def test_untaggable_spans_are_counted_not_dropped_silently() -> None:
    text = "هجوم لقسدوداعش في الرقة"  # one token holds two names run together
    doc = Document("d", text, (Span(6, 9, "MILITIA"), Span(10, 14, "MILITIA")))
    kept, dropped = taggable_spans(doc, tokenize(text, split_clitics=True))
    assert (kept, dropped) == ([doc.spans[0]], [doc.spans[1]])
    scores = evaluate_documents([doc], [doc], bootstrap=0)
    assert scores["seqeval_strict"]["alignment"]["gold"]["untaggable"] == 1
    assert scores["span_exact"]["micro"]["f1"] == 1.0


# ---------------------------------------------------------------- bootstrap


def _noisy_pairs(copies: int) -> tuple[list[Document], list[Document]]:
    """Three document patterns (perfect, half right, all wrong), repeated."""
    text = "قتل 10 من حزب الله في دير الزور"
    gold = (
        at(text, "10", "CASUALTY"),
        at(text, "حزب الله", "MILITIA"),
        at(text, "دير الزور", "PLACE"),
    )
    preds = [gold, gold[:1] + (at(text, "الزور", "PLACE"),), (at(text, "قتل", "MILITIA"),)]
    golds, out = [], []
    for i in range(copies):
        for j, pred in enumerate(preds):
            golds.append(Document(f"d{i}-{j}", text, gold))
            out.append(Document(f"d{i}-{j}", text, pred))
    return golds, out


def test_bootstrap_interval_contains_estimate_and_narrows() -> None:
    widths = []
    for copies in (4, 40):
        scores = evaluate_documents(*_noisy_pairs(copies), bootstrap=500, seed=1)
        micro = scores["span_exact"]["micro"]
        low, high = micro["f1_ci"]
        assert low <= micro["f1"] <= high
        for block in (
            scores["span_partial"]["micro"],
            scores["casualty_value"],
            scores["span_exact"]["per_label"]["PLACE"],
        ):
            assert block["f1_ci"][0] <= block["f1"] <= block["f1_ci"][1]
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # ten times the documents: about a third of the width


def test_bootstrap_is_deterministic_and_resamples_documents() -> None:
    counts = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    first, again = bootstrap_sums(counts, 200, seed=7), bootstrap_sums(counts, 200, seed=7)
    assert np.array_equal(first, again)
    assert first.shape == (200, 2)
    # each resample draws 3 documents whose totals are 1, 1 and 4
    assert set(first.sum(axis=1)) <= {3.0, 6.0, 9.0, 12.0}
    assert first.mean(axis=0) == pytest.approx(counts.sum(axis=0), rel=0.15)
    none = evaluate_documents([GOLD], [PRED], bootstrap=0)
    assert none["span_exact"]["micro"].get("f1_ci") is None


def test_compare_runs_is_paired_on_the_same_gold() -> None:
    gold, pred = _noisy_pairs(10)
    perfect = evaluate_documents(gold, gold, bootstrap=0)["per_document"]
    noisy = evaluate_documents(gold, pred, bootstrap=0)["per_document"]
    result = compare_runs(noisy, perfect, samples=300, seed=0, other_name="perfect")
    assert result["delta"] == pytest.approx(result["f1"] - 1.0) and result["delta"] < 0
    assert result["delta_ci"][0] <= result["delta"] <= result["delta_ci"][1] < 0
    assert result["p_value"] < 0.05
    other_gold = evaluate_documents(gold[:3], pred[:3], bootstrap=0)["per_document"]
    with pytest.raises(EvaluationError, match="other gold"):
        compare_runs(noisy, other_gold, other_name="elsewhere")


# ---------------------------------------------------------------- bad input


def _write(path: Path, *docs: Document | str) -> Path:
    lines = [d if isinstance(d, str) else json.dumps(d.to_dict(), ensure_ascii=False) for d in docs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "pred.jsonl", GOLD, '{"id": "d2", "text": ')
    with pytest.raises(SpanError, match=r"pred\.jsonl:2: unreadable JSON"):
        read_documents(path)


def test_missing_and_extra_documents_name_file_line_and_id(tmp_path: Path) -> None:
    other = Document("d2", "قتل 3", (Span(4, 5, "CASUALTY"),))
    gold = read_documents(_write(tmp_path / "gold.jsonl", GOLD, "", other))
    pred = read_documents(_write(tmp_path / "pred.jsonl", PRED))
    with pytest.raises(
        EvaluationError, match=r"gold\.jsonl:3: document 'd2' is missing from .*pred\.jsonl"
    ):
        evaluate_documents(gold[0], pred[0], gold_source=gold[1], pred_source=pred[1])
    with pytest.raises(
        EvaluationError, match=r"pred\.jsonl:1: document 'd1' is not in .*gold\.jsonl"
    ):
        evaluate_documents(gold[0][1:], pred[0], gold_source=gold[1], pred_source=pred[1])


def test_text_mismatch_names_id_and_first_differing_offset(tmp_path: Path) -> None:
    changed = Document("d1", TEXT.replace("12", "13"), ())
    gold = read_documents(_write(tmp_path / "gold.jsonl", GOLD))
    pred = read_documents(_write(tmp_path / "pred.jsonl", changed))
    offset = TEXT.index("12") + 1
    with pytest.raises(
        EvaluationError,
        match=rf"pred\.jsonl:1: document 'd1': text differs from "
        rf".*gold\.jsonl:1 at offset {offset}: gold '2",
    ):
        evaluate_documents(gold[0], pred[0], gold_source=gold[1], pred_source=pred[1])


def test_overlapping_predictions_built_in_code_are_rejected() -> None:
    bad = PRED.with_spans([Span(0, 10, "PLACE"), Span(5, 12, "PLACE")])
    with pytest.raises(EvaluationError, match=r"predictions: document 'd1': .*overlaps span 0"):
        evaluate_documents([GOLD], [bad], bootstrap=0)


# ---------------------------------------------------------------- nervaluate as the reference

WORDS = (
    "قتل 12 مدنياً في ريف حمص الشرقي قرب مطار التيفور ومقاتلي لواء فاطميون وحزب الله "
    "شرق دير الزور"
).split()


def _random_document(rng: random.Random, doc_id: str) -> tuple[Document, Document]:
    """A gold document of random words and spans, and a prediction perturbing each span
    (kept, dropped, relabelled, shifted, split), plus a spurious span or two."""
    chosen = [rng.choice(WORDS) for _ in range(rng.randint(3, 14))]
    text = " ".join(chosen)
    starts = [sum(len(w) + 1 for w in chosen[:i]) for i in range(len(chosen))]
    words = [(start, start + len(w)) for start, w in zip(starts, chosen, strict=True)]
    gold, i = [], 0
    while i < len(words):
        if rng.random() < 0.35:
            last = min(len(words), i + rng.randint(1, 3)) - 1
            gold.append(Span(words[i][0], words[last][1], rng.choice(LABELS)))
            i = last + 1
        i += 1
    pred = [piece for span in gold for piece in _perturb(rng, span, len(text))]
    for _ in range(rng.randint(0, 2)):
        first = rng.randrange(len(words))
        last = min(len(words), first + rng.randint(1, 2)) - 1
        pred.append(Span(words[first][0], words[last][1], rng.choice(LABELS)))
    return Document(doc_id, text, tuple(gold)), Document(doc_id, text, tuple(_flat(text, pred)))


def _perturb(rng: random.Random, span: Span, size: int) -> list[Span]:
    draw = rng.random()
    if draw < 0.4:
        return [span]
    if draw < 0.5:
        return []
    if draw < 0.6:
        return [Span(span.start, span.end, rng.choice(LABELS))]
    if draw < 0.8:
        start = max(0, span.start + rng.randint(-4, 4))
        end = min(size, span.end + rng.randint(-4, 4))
        label = span.label if rng.random() < 0.7 else rng.choice(LABELS)
        return [Span(start, end, label)] if start < end else []
    cut = rng.randint(span.start, span.end)
    return [Span(span.start, cut, span.label), Span(cut + 1, span.end, rng.choice(LABELS))]


def _flat(text: str, spans: list[Span]) -> list[Span]:
    """Spans trimmed of edge spaces, empty ones dropped, each overlapping an earlier one dropped."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = span.start, span.end
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        if start < end and (not kept or start >= kept[-1].end):
            kept.append(Span(start, end, span.label))
    return kept


NERVALUATE_SCHEMES = {
    "strict": "strict",
    "exact": "exact",
    "partial": "partial",
    "type": "ent_type",
}


def _nervaluate(gold: list[Document], pred: list[Document]) -> dict:
    from nervaluate import Evaluator

    def entities(docs: list[Document]) -> list[list[dict]]:  # nervaluate's ends are inclusive
        return [
            [{"label": s.label, "start": s.start, "end": s.end - 1} for s in doc.spans]
            for doc in docs
        ]

    return Evaluator(entities(gold), entities(pred), tags=list(LABELS), loader="dict").evaluate()


def _their_counts(result) -> tuple[int, ...]:
    return (
        result.correct,
        result.incorrect,
        result.partial,
        result.missed,
        result.spurious,
        result.possible,
        result.actual,
    )


def test_semeval_equals_nervaluate_on_perturbed_predictions() -> None:
    pytest.importorskip("nervaluate")
    rng = random.Random(2013)
    pairs = [_random_document(rng, f"d{n}") for n in range(300)]
    gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
    ours, theirs = evaluate_documents(gold, pred, bootstrap=0)["semeval"], _nervaluate(gold, pred)
    assert sum(len(d.spans) for d in gold) > 500 and sum(len(d.spans) for d in pred) > 500
    blocks = [(ours["overall"][s], theirs["overall"][n]) for s, n in NERVALUATE_SCHEMES.items()]
    for label in LABELS:  # nervaluate >= 1.0 filters both sides by label
        blocks += [
            (ours["per_label"][label][s], theirs["entities"][label][n])
            for s, n in NERVALUATE_SCHEMES.items()
        ]
    type_overall = blocks.pop(3)
    for mine, reference in blocks:
        assert _counts(mine) == _their_counts(reference)
        assert (mine["precision"], mine["recall"], mine["f1"]) == pytest.approx(
            (reference.precision, reference.recall, reference.f1)
        )
    # Overall type: nervaluate pairs each prediction greedily, so an earlier prediction
    # of another label can take the gold span a later one of the same label overlaps;
    # the harness pairs for the most COR. They differ only there, by more COR for us.
    differing, gained = [], np.zeros(7, dtype=int)
    for g, p in pairs:
        mine = _counts(evaluate_documents([g], [p], bootstrap=0)["semeval"]["overall"]["type"])
        reference = _their_counts(_nervaluate([g], [p])["overall"]["ent_type"])
        if mine != reference:
            differing.append(g.id)
            assert mine[0] > reference[0] and mine[3:] == reference[3:], g.id
            gained += np.subtract(mine, reference)
    assert 0 < len(differing) <= len(pairs) // 50
    assert _counts(type_overall[0]) == tuple(np.add(_their_counts(type_overall[1]), gained))

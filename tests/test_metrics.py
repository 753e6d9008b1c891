"""arner.metrics: span matching, SemEval counts, seqeval, casualty values, bootstrap, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from arner.formats.iob2 import spans_to_tags
from arner.metrics import (
    CORPUS_LABEL_MAPS,
    EvaluationError,
    bootstrap_sums,
    casualty_counts,
    compare_runs,
    corpus_path,
    evaluate_documents,
    load_label_map,
    match_spans,
    read_documents,
    seqeval_scores,
    taggable_spans,
)
from arner.spans import Document, Span, SpanError
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


def test_semeval_per_label_and_span_partial(scored: dict) -> None:
    per_label = scored["semeval"]["per_label"]
    # MILITIA gold: حزب الله (correct) and لواء فاطميون (type); no MILITIA spurious
    assert _counts(per_label["MILITIA"]["strict"]) == (1, 1, 0, 0, 0, 2, 2)
    # PLACE gold: ريف حمص الشرقي (boundary), مطار التيفور (boundary+type);
    # SPU إسرائيلية (predicted PLACE)
    assert _counts(per_label["PLACE"]["partial"]) == (0, 0, 2, 0, 1, 2, 3)
    assert _counts(per_label["CASUALTY"]["exact"]) == (0, 0, 0, 1, 0, 1, 0)
    partial = scored["span_partial"]["per_label"]
    # PLACE partial: tp 0.5 + 0.5 = 1 of ACT 3 and POS 2
    assert (partial["PLACE"]["tp"], partial["PLACE"]["fp"], partial["PLACE"]["fn"]) == (1, 2, 1)
    assert partial["PLACE"]["precision"] == pytest.approx(1 / 3)
    assert partial["MILITIA"]["f1"] == 1.0  # the type error still has exact boundaries


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
    text = "قتل 4و5 مدنيين"  # one token holds two counts
    doc = Document("d", text, (Span(4, 5, "CASUALTY"), Span(6, 7, "CASUALTY")))
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


# ---------------------------------------------------------------- corpora


def test_corpus_label_maps_keep_only_places() -> None:
    assert {k: v for k, v in CORPUS_LABEL_MAPS["anercorp"].items() if v} == {"LOC": "PLACE"}
    assert {k: v for k, v in CORPUS_LABEL_MAPS["aqmar"].items() if v} == {"LOC": "PLACE"}


def test_corpus_path_prefers_the_official_file(tmp_path: Path) -> None:
    rebuilt = tmp_path / "ANERCorp_CamelLab_test_RECONSTRUCTED.txt"
    rebuilt.write_text("دمشق B-LOC\n", encoding="utf-8")
    assert corpus_path("anercorp", tmp_path) == rebuilt
    official = tmp_path / "ANERCorp_CamelLab_test.txt"
    official.write_text("دمشق B-LOC\n", encoding="utf-8")
    assert corpus_path("anercorp", tmp_path) == official
    with pytest.raises(EvaluationError, match="no aqmar dev file"):
        corpus_path("aqmar", tmp_path, "dev")


def test_label_map_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "map.yaml"
    good.write_text("LOC: PLACE\nORG: MILITIA\nPERS: null\n", encoding="utf-8")
    assert load_label_map(good) == {"LOC": "PLACE", "ORG": "MILITIA", "PERS": None}
    bad = tmp_path / "bad.yaml"
    bad.write_text("LOC: CITY\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"bad\.yaml: entry 'LOC': 'CITY' is not one of"):
        load_label_map(bad)

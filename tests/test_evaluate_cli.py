"""evaluate.py end to end: the real CLI on the seed article and a perturbed copy, and bad input.

data/eval/perturbed_seed.spans.jsonl is the seed gold (41 spans: MILITIA 11,
PLACE 22, CASUALTY 8) with nine deliberate errors, listed in its
"perturbations" field:

- dropped: MILITIA الميليشيات [438, 448), CASUALTY 4 [951, 952), PLACE الجمعيات [1339, 1347)
- shifted: MILITIA حزب الله اللبناني [709, 726) -> وحزب الله اللبناني [708, 726);
  PLACE الحدود السورية – العراقية [839, 864) -> الحدود السورية [839, 853)
- relabelled: لواء "فاطميون" [781, 795) MILITIA -> PLACE; إيران [1815, 1820) PLACE -> MILITIA
- spurious: MILITIA قوات النظام [696, 707), CASUALTY 10 [1012, 1014) (10 ضربات counts strikes)

Hand count, span_exact (40 predictions):
- MILITIA: tp 11 - 3 (dropped, shifted, relabelled) = 8;
  predicted 8 + shifted + إيران + قوات النظام = 11
  -> fp 3, fn 3, P = R = F1 = 8/11
- PLACE: tp 22 - 3 (dropped, shifted, relabelled) = 19;
  predicted 19 + shifted + لواء فاطميون = 21
  -> fp 2, fn 3, P = 19/21, R = 19/22, F1 = 38/43
- CASUALTY: tp 7; predicted 7 + spurious 10 = 8 -> fp 1, fn 1, P = R = F1 = 7/8
- micro: tp 34, fp 6, fn 7 -> P = 34/40, R = 34/41, F1 = 68/81

Hand count, SemEval (one-to-one pairs: 34 correct, 2 same offsets + other label,
2 overlaps with the same label, 3 missed, 2 spurious):
- strict  COR 34 INC 4 PAR 0 MIS 3 SPU 2 (POS 41, ACT 40)
- exact   COR 36 INC 2 PAR 0 MIS 3 SPU 2 (the relabelled pairs have exact offsets)
- partial COR 36 INC 0 PAR 2 MIS 3 SPU 2 -> P = 37/40, R = 37/41
- type    COR 36 INC 2 PAR 0 MIS 3 SPU 2 (the shifted pairs have the right type)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # evaluate.py lives at the repository root

import evaluate  # noqa: E402

GOLD = ROOT / "data" / "seed" / "article.spans.jsonl"
PERTURBED = ROOT / "data" / "eval" / "perturbed_seed.spans.jsonl"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "evaluate.py"), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("seed_run")
    result = run_cli("--gold", GOLD, "--pred", PERTURBED, "--out", out, "--bootstrap", "200")
    assert result.returncode == 0, result.stderr
    assert "F1 0.8395 on 1 documents" in result.stdout
    return out, json.loads((out / "metrics.json").read_text(encoding="utf-8"))


def test_span_exact_equals_the_hand_count(seed_run: tuple[Path, dict]) -> None:
    exact = seed_run[1]["span_exact"]
    expected = {  # label: (tp, fp, fn, P, R, F1)
        "MILITIA": (8, 3, 3, 8 / 11, 8 / 11, 8 / 11),
        "PLACE": (19, 2, 3, 19 / 21, 19 / 22, 38 / 43),
        "CASUALTY": (7, 1, 1, 7 / 8, 7 / 8, 7 / 8),
    }
    blocks = {**exact["per_label"], "micro": exact["micro"]}
    expected["micro"] = (34, 6, 7, 34 / 40, 34 / 41, 68 / 81)
    for name, (tp, fp, fn, p, r, f1) in expected.items():
        block = blocks[name]
        assert (block["tp"], block["fp"], block["fn"]) == (tp, fp, fn), name
        assert (block["precision"], block["recall"], block["f1"]) == pytest.approx((p, r, f1)), name
    assert exact["macro"]["f1"] == pytest.approx((8 / 11 + 38 / 43 + 7 / 8) / 3)
    assert exact["micro"]["f1_ci"] == pytest.approx(
        [68 / 81, 68 / 81]
    )  # one document: nothing to resample


def test_semeval_equals_the_hand_count(seed_run: tuple[Path, dict]) -> None:
    semeval = seed_run[1]["semeval"]
    keys = ("COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT")
    expected = {
        "strict": (34, 4, 0, 3, 2, 41, 40),
        "exact": (36, 2, 0, 3, 2, 41, 40),
        "partial": (36, 0, 2, 3, 2, 41, 40),
        "type": (36, 2, 0, 3, 2, 41, 40),
    }
    for scheme, counts in expected.items():
        assert tuple(semeval["overall"][scheme][k] for k in keys) == counts, scheme
    assert semeval["overall"]["partial"]["precision"] == pytest.approx(37 / 40)
    assert semeval["overall"]["partial"]["recall"] == pytest.approx(37 / 41)
    # per label, each label matched on its own (nervaluate >= 1.0): MILITIA gold has
    # 8 correct, 1 shifted, 1 relabelled PLACE (MIS here) and 1 dropped; SPU قوات النظام
    # and the MILITIA prediction on a PLACE gold span
    militia = semeval["per_label"]["MILITIA"]
    assert tuple(militia["strict"][k] for k in keys) == (8, 1, 0, 2, 2, 11, 11)
    assert tuple(militia["partial"][k] for k in keys) == (8, 0, 1, 2, 2, 11, 11)
    # PLACE: 19 correct, 1 shifted, 1 relabelled MILITIA and 1 dropped (MIS), SPU the
    # PLACE prediction on the relabelled MILITIA span
    place = semeval["per_label"]["PLACE"]
    assert tuple(place["exact"][k] for k in keys) == (19, 1, 0, 2, 1, 22, 21)


def test_seed_run_casualty_confusion_and_files(seed_run: tuple[Path, dict]) -> None:
    out, metrics = seed_run
    value = metrics["casualty_value"]
    assert (value["tp"], value["fp"], value["fn"], value["unparsed"]) == (7, 1, 1, [])
    assert metrics["confusion"]["matrix"] == [
        [9, 1, 0, 1],
        [1, 20, 0, 1],
        [0, 0, 7, 1],
        [1, 0, 1, 0],
    ]
    assert len((out / "errors.jsonl").read_text(encoding="utf-8").splitlines()) == 9
    assert (out / "confusion.png").stat().st_size > 0
    assert "| MILITIA | 72.73 | 72.73 | 72.73 |" in (out / "report.md").read_text(encoding="utf-8")


def test_cli_error_exits_non_zero_with_file_line_and_id_on_stderr(tmp_path: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"id": "other", "text": "نص", "spans": []}) + "\n", encoding="utf-8")
    result = run_cli("--gold", GOLD, "--pred", pred, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert f"error: {pred}:1: document 'other' is not in {GOLD}" in result.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- in-process main()


def _main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = evaluate.main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_bad_json_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        PERTURBED.read_text(encoding="utf-8") + '{"id": "x", "text": "نص",\n', encoding="utf-8"
    )
    code, err = _main(capsys, "--gold", GOLD, "--pred", pred, "--out", tmp_path / "o")
    assert code == 2 and f"{pred}:2: unreadable JSON" in err


def test_missing_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pred = tmp_path / "empty.jsonl"
    pred.write_text("\n", encoding="utf-8")
    code, err = _main(capsys, "--gold", GOLD, "--pred", pred, "--out", tmp_path / "o")
    assert code == 2 and f"{GOLD}:1: document 'seed-article' is missing from {pred}" in err


def test_text_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(PERTURBED.read_text(encoding="utf-8"))
    offset = doc["text"].index("الخميس") + 2  # no span there, so the span texts still agree
    doc["text"] = doc["text"].replace("الخميس", "الجمعة", 1)
    pred = tmp_path / "pred.jsonl"
    pred.write_text("\n" + json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    code, err = _main(capsys, "--gold", GOLD, "--pred", pred, "--out", tmp_path / "o")
    assert code == 2
    assert (
        f"{pred}:2: document 'seed-article': text differs from {GOLD}:1 at offset {offset}" in err
    )


def test_missing_file_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _main(
        capsys, "--gold", tmp_path / "nope.jsonl", "--pred", PERTURBED, "--out", tmp_path
    )
    assert code == 2 and "nope.jsonl" in err
    code, err = _main(capsys, "--corpus", "aqmar", "--pred", PERTURBED, "--out", tmp_path)
    assert code == 2 and "--corpus aqmar needs --corpus-dir" in err


def test_anercorp_without_a_folder_is_downloaded_or_says_how_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from arner import download

    monkeypatch.setenv("ARNER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(download, "ANERCORP_URL", (tmp_path / "unreachable.zip").as_uri())
    code, err = _main(capsys, "--corpus", "anercorp", "--pred", PERTURBED, "--out", tmp_path)
    assert code == 2 and "could not download ANERcorp" in err and "--corpus-dir" in err


def test_compare_with_another_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--gold", GOLD, "--bootstrap", "50", "--quiet"]
    assert _main(capsys, *common, "--pred", GOLD, "--out", tmp_path / "perfect")[0] == 0
    code, err = _main(
        capsys,
        *common,
        "--pred",
        PERTURBED,
        "--out",
        tmp_path / "noisy",
        "--compare",
        tmp_path / "perfect",
    )
    assert code == 0, err
    compare = json.loads((tmp_path / "noisy" / "metrics.json").read_text(encoding="utf-8"))[
        "compare"
    ]
    assert compare["delta"] == pytest.approx(68 / 81 - 1)
    assert compare["other"] == str(tmp_path / "perfect")
    assert "## Paired comparison" in (tmp_path / "noisy" / "report.md").read_text(encoding="utf-8")
    code, err = _main(
        capsys, *common, "--pred", GOLD, "--out", tmp_path / "x", "--compare", tmp_path / "none"
    )
    assert code == 2 and "per_document.json: not found" in err


def test_labels_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _main(
        capsys,
        "--gold",
        GOLD,
        "--pred",
        PERTURBED,
        "--out",
        tmp_path,
        "--labels",
        "PLACE,CASUALTY",
        "--bootstrap",
        "0",
        "--quiet",
    )
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert code == 0 and metrics["labels"] == ["PLACE", "CASUALTY"]
    assert metrics["span_exact"]["micro"]["tp"] == 19 + 7
    code, err = _main(
        capsys, "--gold", GOLD, "--pred", PERTURBED, "--out", tmp_path / "loc", "--labels", "LOC"
    )
    assert code == 2 and "unknown label(s) 'LOC'" in err


def test_labels_option_reads_a_gold_in_corpus_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "زار عبدالله الثاني المفرق مع وفد اليونيسف"

    def span(surface: str, label: str) -> dict[str, object]:
        return {"start": text.index(surface), "end": text.index(surface) + len(surface), "label": label}

    def write(name: str, spans: list[dict[str, object]]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({"id": "a", "text": text, "spans": spans}, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return path

    gold = write("gold.jsonl", [span("عبدالله الثاني", "PERS"), span("المفرق", "LOC"), span("اليونيسف", "ORG")])
    pred = write("pred.jsonl", [span("المفرق", "ORG"), span("اليونيسف", "ORG")])
    common = ("--gold", gold, "--pred", pred, "--bootstrap", "0", "--quiet")
    code, _ = _main(capsys, *common, "--out", tmp_path / "o", "--labels", "PERS", "LOC", "ORG")
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert code == 0 and metrics["labels"] == ["PERS", "LOC", "ORG"]
    assert metrics["span_exact"]["micro"]["tp"] == 1
    assert metrics["span_exact"]["per_label"]["LOC"]["fn"] == 1
    assert metrics["span_exact"]["per_label"]["ORG"]["fp"] == 1
    # a label that neither --labels nor ours names stays an error, with its file and line
    code, err = _main(capsys, *common, "--out", tmp_path / "p", "--labels", "PERS", "LOC")
    assert code == 2 and f"{gold}:1" in err and "unknown label 'ORG'" in err


# ---------------------------------------------------------------- corpus gold


ANERCORP_TEST = """قصفت O
طائرات O
إسرائيلية O
مواقع O
في O
دير B-LOC
الزور I-LOC

وقال O
غيث B-PERS
الطراونة I-PERS
في O
عمان B-LOC
"""


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "anercorp"
    corpus.mkdir()
    (corpus / "ANERCorp_CamelLab_test.txt").write_text(ANERCORP_TEST, encoding="utf-8")
    first = "قصفت طائرات إسرائيلية مواقع في دير الزور"
    second = "وقال غيث الطراونة في عمان"
    docs = [  # ids as read_conll gives them: {prefix}-{sentence number}
        {
            "id": "anercorp-test-1",
            "text": first,
            "spans": [{"start": 31, "end": 40, "label": "PLACE"}],
        },
        {
            "id": "anercorp-test-2",
            "text": second,
            "spans": [{"start": 5, "end": 17, "label": "MILITIA"}],
        },
    ]
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    return corpus, pred


def test_corpus_gold_keeps_places_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus, pred = _corpus(tmp_path)
    code, err = _main(
        capsys,
        "--corpus",
        "anercorp",
        "--corpus-dir",
        corpus,
        "--pred",
        pred,
        "--out",
        tmp_path / "o",
        "--bootstrap",
        "0",
        "--quiet",
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["labels"] == ["PLACE"]  # what the ANERcorp map produces; MILITIA is not scored
    place = metrics["span_exact"]["per_label"]["PLACE"]
    assert (place["tp"], place["fp"], place["fn"]) == (1, 0, 1)  # دير الزور found, عمان missed


def test_corpus_label_map_file_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, pred = _corpus(tmp_path)
    label_map = tmp_path / "map.yaml"
    label_map.write_text("LOC: PLACE\nPERS: MILITIA\nORG: null\nMISC: null\n", encoding="utf-8")
    code, err = _main(
        capsys,
        "--corpus",
        "anercorp",
        "--corpus-dir",
        corpus,
        "--label-map",
        label_map,
        "--pred",
        pred,
        "--out",
        tmp_path / "o",
        "--bootstrap",
        "0",
        "--quiet",
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["labels"] == ["MILITIA", "PLACE"]
    assert metrics["span_exact"]["per_label"]["MILITIA"]["tp"] == 1  # غيث الطراونة, as the map says


@pytest.mark.slow
def test_real_anercorp_test_split_scores_itself_perfectly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = ROOT.parent / "shared" / "corpora" / "anercorp_camellab"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is absent")
    from arner.corpora import load_benchmark
    from arner.spans import write_jsonl

    docs, _ = load_benchmark("anercorp", corpus)
    write_jsonl(docs, tmp_path / "pred.jsonl")
    code, err = _main(
        capsys,
        "--corpus",
        "anercorp",
        "--corpus-dir",
        corpus,
        "--pred",
        tmp_path / "pred.jsonl",
        "--out",
        tmp_path / "o",
        "--bootstrap",
        "100",
        "--quiet",
    )
    assert code == 0, err
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["documents"] == len(docs) > 900
    assert metrics["span_exact"]["micro"]["f1"] == 1.0
    assert metrics["seqeval_strict"]["micro"]["f1"] == 1.0


def test_model_option_predicts_then_scores(tmp_path: Path) -> None:
    from arner.align import bio_labels
    from arner.encoders.tiny import build_tiny_model
    from arner.predict import PreprocessSettings

    labels = bio_labels()
    model, tokenizer = build_tiny_model([(ROOT / "data" / "seed" / "article.txt").read_text(encoding="utf-8")], labels, seed=0)
    run_dir = tmp_path / "run"
    model.save_pretrained(run_dir)
    tokenizer.save_pretrained(run_dir)
    PreprocessSettings(labels, True, [], "none", 64, 16).save(run_dir)
    out = tmp_path / "report"
    result = run_cli("--gold", GOLD, "--model", run_dir, "--out", out, "--bootstrap", "50", "--quiet")
    assert result.returncode == 0, result.stderr
    from arner.spans import read_jsonl

    predictions = read_jsonl(out / "predictions.jsonl")
    assert [d.id for d in predictions] == ["seed-article"]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["span_exact"]["per_label"]["PLACE"]["support"] == 22


def test_dtype_goes_with_model(tmp_path: Path) -> None:
    result = run_cli("--gold", GOLD, "--pred", GOLD, "--dtype", "bf16", "--out", tmp_path / "o")
    assert result.returncode == 2 and "--dtype goes with --model" in result.stderr


def test_baseline_alone_scores_the_gazetteer_lookup(tmp_path: Path) -> None:
    result = run_cli("--gold", GOLD, "--baseline", "gazetteer", "--out", tmp_path, "--bootstrap", "50")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert 0.3 < metrics["span_exact"]["micro"]["f1"] < 1.0
    assert (tmp_path / "predictions.jsonl").exists()


def test_baseline_beside_predictions_reports_the_floor_and_the_paired_difference(tmp_path: Path) -> None:
    result = run_cli("--gold", GOLD, "--pred", PERTURBED, "--baseline", "gazetteer", "--out", tmp_path,
                     "--bootstrap", "50")
    assert result.returncode == 0, result.stderr
    assert "gazetteer lookup floor micro F1" in result.stdout
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    floor = metrics["floor"]
    assert floor["compare"]["f1"] == pytest.approx(68 / 81)  # the perturbed predictions' hand count
    assert floor["compare"]["delta"] == pytest.approx(68 / 81 - floor["span_exact"]["micro"]["f1"])
    assert "## Lookup floor (gazetteers, no learning)" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_no_prediction_source_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("--gold", GOLD, "--out", tmp_path)
    assert result.returncode == 2 and "one of --pred, --model or --baseline" in result.stderr


def test_a_report_folder_is_refused_kept_or_replaced_whole(tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    common = ["--gold", GOLD, "--bootstrap", "0", "--quiet", "--out", out]
    assert _main(capsys, *common, "--pred", PERTURBED)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, err = _main(capsys, *common, "--pred", GOLD)
    assert code == 2 and f"{out}: holds files already" in err and "--overwrite" in err
    # fails after the floor predicted: nothing of this run may land beside the earlier report
    code, err = _main(capsys, *common, "--baseline", "gazetteer", "--labels", "LOC", "--overwrite")
    assert code == 2 and "unknown label(s) 'LOC'" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
    assert _main(capsys, *common, "--baseline", "gazetteer", "--overwrite")[0] == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["inputs"]["pred"] == str(out / "predictions.jsonl") and (out / "predictions.jsonl").exists()
    code, err = _main(capsys, *common, "--pred", out / "predictions.jsonl", "--overwrite")
    assert code == 2 and "is inside --out" in err and (out / "predictions.jsonl").exists()


def test_an_empty_gold_file_is_an_error(tmp_path: Path, capsys) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n", encoding="utf-8")
    code, err = _main(capsys, "--gold", gold, "--pred", gold, "--out", tmp_path / "o")
    assert code == 2 and f"{gold}: no gold documents to score against" in err
    assert not (tmp_path / "o").exists()


def test_a_gold_file_that_is_not_utf8_names_the_line_and_the_byte(tmp_path: Path, capsys) -> None:
    gold = tmp_path / "gold.jsonl"
    data = GOLD.read_bytes() * 1 + b'{"id": "x", "text": "\xd9", "spans": []}\n'
    gold.write_bytes(data)
    code, err = _main(capsys, "--gold", gold, "--pred", PERTURBED, "--out", tmp_path / "o")
    offset = data.index(b"\xd9\x22")
    assert code == 2 and f"{gold}:2: not UTF-8: byte b'\\xd9' at byte {offset} of the file" in err


def test_known_span_files_split_recall_into_seen_and_unseen_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc_from_marks
) -> None:
    from arner.spans import write_jsonl

    known = tmp_path / "train.jsonl"
    write_jsonl([doc_from_marks("t", "قصف على دير الزور", [("دير الزور", "PLACE")])], known)
    code = evaluate.main([str(a) for a in ("--gold", GOLD, "--pred", GOLD, "--known", known, "--bootstrap", "50",
                                           "--out", tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 0
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    novelty = metrics["novelty"]
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert novelty["seen"]["support"] == sum(gold["text"][s["start"]:s["end"]] == "دير الزور" for s in gold["spans"])
    assert novelty["seen"]["support"] > 0 and novelty["unseen"]["recall"] == 1.0
    assert novelty["seen"]["support"] + novelty["unseen"]["support"] == metrics["span_exact"]["micro"]["support"]
    assert "recall on names unseen 1.000" in out
    assert "## Names seen and unseen in training" in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")

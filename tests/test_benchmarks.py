"""The prediction benchmark runs end to end on the overfit tiny model and checks itself."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from arner.align import SETTINGS_FILE
from arner.spans import read_jsonl, write_jsonl

from support import ROOT
from tiny_model import gold_sentences

SCRIPT = ROOT / "benchmarks" / "predict_speed.py"


def run_benchmark(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_predict_speed_agrees_with_the_pipeline_and_prints_both_throughputs(tiny_run: Path) -> None:
    result = run_benchmark("--model", tiny_run, "--docs", 4, "--short", 8, "--threads", 1, "--batch-size", 4,
                           "--matmul-size", 256)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "ours unsnapped: identical span sets in 8/8 texts (100.0%)" in out
    assert "arner Predictor:" in out and "HF pipeline:" in out
    assert "ratio, arner Predictor to the pipeline:" in out
    assert "square products of side 256, 1 threads" in out and out.count("% of matmul peak") == 1
    assert re.search(r"matmul peak of [\d.]+ \(torch\.matmul [\d.]+(, oneDNN linear [\d.]+)?\)", out)


def test_predict_speed_writes_its_texts_as_predict_input(tmp_path: Path, tiny_run: Path) -> None:
    out = tmp_path / "docs.jsonl"
    result = run_benchmark("--model", tiny_run, "--docs", 5, "--chars", 400, "--write-texts", out)
    assert result.returncode == 0, result.stderr
    docs = read_jsonl(out)
    assert [d.id for d in docs] == [f"article-{i:04d}" for i in range(5)]
    assert all(200 <= len(d.text) <= 900 for d in docs)
    assert f"wrote 5 documents" in result.stdout


def test_long_text_scores_joined_documents_against_one_by_one(tmp_path: Path, tiny_run: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold_sentences(), gold)
    script = ROOT / "benchmarks" / "long_text.py"
    for separator in ("line", "space"):
        result = subprocess.run([sys.executable, str(script), "--model", str(tiny_run), "--gold", str(gold),
                                 "--join", "2", "--separator", separator, "--bootstrap", "50"],
                                capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        # the overfit model reads its own sentences perfectly one by one
        assert "one by one: micro F1 1.0000" in result.stdout
        assert f"joined 2 at a time ({separator}," in result.stdout and "against one by one" in result.stdout


def test_long_text_unpacks_joined_predictions_into_the_original_documents() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("long_text", ROOT / "benchmarks" / "long_text.py")
    long_text = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(long_text)
    gold = gold_sentences()
    for separator in ("\n", " "):
        joined = long_text.pack_documents(gold, 2, separator)
        assert [d.spans for d in long_text.unpack(joined, gold, 2, separator)] == [g.spans for g in gold]


def test_quickstart_spread_summarises_one_run_and_every_scored_set(tmp_path: Path) -> None:
    scores = {"micro": {"f1": 0.9}, "per_label": {"PLACE": {"f1": 0.8}}, "floor": {"micro": {"f1": 0.7}}}
    (tmp_path / "metrics.json").write_text(json.dumps({"eval": scores, "aqmar_test": scores}), encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "quickstart_time.py"), "--summarise",
                             str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "eval micro: 0.900 +- - [0.900, 0.900]" in result.stdout  # one run: no standard deviation
    assert "aqmar_test lookup floor micro: 0.700" in result.stdout


def test_robustness_scores_noisy_copies_against_the_same_gold(tmp_path: Path, tiny_run: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold_sentences(), gold)
    light_run = tmp_path / "light_run"
    shutil.copytree(tiny_run, light_run)
    settings = json.loads((light_run / SETTINGS_FILE).read_text(encoding="utf-8"))
    (light_run / SETTINGS_FILE).write_text(json.dumps({**settings, "normalize": "light"}), encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "robustness.py"), "--model", str(light_run),
                             "--gold", str(gold), "--kinds", "tatweel", "broken", "diacritics", "hamza", "--bootstrap", "50"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "(normalize=light)" in lines[0]
    assert lines[1].strip().startswith("clean: micro F1 1.0000")
    # the model reads light-normalised text: tatweel, broken words and diacritics never reach it
    for kind in ("tatweel", "broken", "diacritics"):
        assert any(line.strip().startswith(f"{kind}: micro F1 1.0000") and "+0.0 points" in line for line in lines)
    assert any(line.strip().startswith("hamza: micro F1") and "against clean" in line for line in lines)


def test_robustness_has_a_default_rate_for_every_kind_of_noise() -> None:
    import importlib.util

    from arner.perturb import PERTURBATIONS

    spec = importlib.util.spec_from_file_location("robustness", ROOT / "benchmarks" / "robustness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.DEFAULT_RATES) == set(PERTURBATIONS)


def test_span_score_sweep_drops_only_spans_below_each_threshold(tmp_path: Path) -> None:
    import importlib.util

    from arner.spans import Document, Span

    spec = importlib.util.spec_from_file_location("span_score_sweep", ROOT / "benchmarks" / "span_score_sweep.py")
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    text = "قتل 3 من داعش في قرية الحمرا"
    gold = [Document("d", text, (Span(4, 5, "CASUALTY"), Span(9, 13, "MILITIA"), Span(22, 28, "PLACE")))]
    pred = [Document("d", text, (Span(4, 5, "CASUALTY", {"score": 0.99}), Span(9, 13, "MILITIA", {"score": 0.97}),
                                 Span(17, 21, "PLACE", {"score": 0.6}), Span(22, 28, "PLACE", {"score": 0.8})))]
    path = tmp_path / "pred.jsonl"
    write_jsonl(pred, path)
    # 0: one spurious span (P 3/4); 0.7: it is gone (F1 1); 0.9: the village goes too (R 2/3).
    assert [round(row[0], 4) for row in sweep.sweep(gold, [read_jsonl(path)], (0.0, 0.7, 0.9))] == [0.8571, 1.0, 0.8]

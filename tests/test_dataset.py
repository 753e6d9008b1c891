"""The seeded dataset: sentence splitting, leakage-safe splits, outputs and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arner.config import DataConfig, load_config
from arner.dataset import build_dataset, check_no_leakage, save_dataset, split_sentences, to_dataset_dict
from arner.spans import Document, Span, SpanError, read_jsonl, validate_document

from support import DATA, ROOT


def tiny_data(tmp_path: Path, **changes) -> DataConfig:
    config = load_config(ROOT / "configs" / "tiny.yaml").data
    config.seed_gold = str(DATA / "seed" / "article.spans.jsonl")
    config.gazetteers = str(DATA / "gazetteers")
    config.eval_set = str(DATA / "eval" / "conflict_news.spans.jsonl")
    config.output_dir = str(tmp_path / "data")
    for key, value in changes.items():
        setattr(config, key, value)
    return config


def test_seed_splits_into_sentences_without_losing_spans() -> None:
    [seed] = read_jsonl(DATA / "seed" / "article.spans.jsonl")
    parts = split_sentences(seed)
    assert len(parts) == 13
    assert sum(len(p.spans) for p in parts) == len(seed.spans)
    assert [p.span_text(s) for p in parts for s in p.spans] == [seed.span_text(s) for s in seed.spans]
    assert parts[0].text.startswith("ميليشيات إيران")


def test_span_across_sentences_is_an_error() -> None:
    doc = Document("d", "قتل في حلب. ودمشق", (Span(7, 17, "PLACE"),))
    with pytest.raises(SpanError, match=r"document 'd': 1 span\(s\) cross a sentence boundary"):
        split_sentences(doc)


def test_build_is_deterministic_valid_and_leakage_safe(tmp_path: Path) -> None:
    first = build_dataset(tiny_data(tmp_path))
    second = build_dataset(tiny_data(tmp_path))
    assert {k: [d.text for d in v] for k, v in first.splits.items()} == {
        k: [d.text for d in v] for k, v in second.splits.items()
    }
    sources = {name: {d.extra["source_id"] for d in docs} for name, docs in first.splits.items()}
    assert len(sources["dev"]) == 2 and len(sources["test"]) == 2 and len(sources["train"]) == 9
    assert not sources["train"] & (sources["dev"] | sources["test"])
    for docs in first.splits.values():
        for doc in docs:
            assert validate_document(doc) == []
    # no evaluation sentence (held-out split or the written eval set) appears in training
    train_texts = {d.text for d in first.splits["train"]}
    held_out = [d.text for name in ("dev", "test") for d in first.splits[name]]
    eval_path = DATA / "eval" / "conflict_news.spans.jsonl"
    held_out += [d.text for d in read_jsonl(eval_path)] if eval_path.exists() else []
    assert held_out and not train_texts & set(held_out)


def test_leakage_check_fires() -> None:
    doc = Document("a", "نص", (), {"source_id": "s1"})
    with pytest.raises(ValueError, match="in both train and dev"):
        check_no_leakage({"train": [doc], "dev": [doc], "test": []}, [])
    with pytest.raises(ValueError, match="1 evaluation sentence"):
        check_no_leakage({"train": [doc], "dev": [], "test": []}, ["نص"])


def test_different_seed_gives_different_variants(tmp_path: Path) -> None:
    a = build_dataset(tiny_data(tmp_path, seed=1)).splits["train"]
    b = build_dataset(tiny_data(tmp_path, seed=2)).splits["train"]
    assert [d.text for d in a] != [d.text for d in b]


def test_save_writes_dataset_dict_jsonl_and_stats(tmp_path: Path) -> None:
    from datasets import load_from_disk

    result = build_dataset(tiny_data(tmp_path))
    out = save_dataset(result, tmp_path / "out")
    loaded = load_from_disk(str(out / "dataset"))
    assert set(loaded) == {"train", "dev", "test"}
    assert loaded["train"].num_rows == len(result.splits["train"])
    row = loaded["dev"][0]
    first = row["spans"][0] if isinstance(row["spans"], list) else {k: v[0] for k, v in row["spans"].items()}
    assert row["text"][first["start"] : first["end"]]
    assert len(read_jsonl(out / "train.jsonl")) == len(result.splits["train"])
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["splits"]["train"]["examples"] == len(result.splits["train"])
    assert "| train |" in (out / "stats.md").read_text(encoding="utf-8")


def test_data_cli_build_validate_stats_convert(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "arner.data", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    out_dir = tmp_path / "built"
    built = run("build", "configs/tiny.yaml", f"data.output_dir={out_dir}")
    assert built.returncode == 0, built.stderr
    assert "| train |" in built.stdout and (out_dir / "dataset").is_dir()
    checked = run("validate", str(out_dir / "dev.jsonl"))
    assert checked.returncode == 0 and ": ok" in checked.stdout
    stats = run("stats", "data/seed/article.spans.jsonl")
    assert "MILITIA 11, PLACE 22, CASUALTY 8" in stats.stdout
    conll = tmp_path / "seed.conll"
    assert run("convert", "data/seed/article.spans.jsonl", str(conll)).returncode == 0
    assert "B-MILITIA" in conll.read_text(encoding="utf-8")
    bad = run("build", "configs/tiny.yaml", "data.variants=3")
    assert bad.returncode == 2 and "data.variants: unknown key" in bad.stderr


def test_an_empty_split_keeps_its_columns() -> None:
    doc = Document("s1", "قتل 4 في حلب", (Span(4, 5, "CASUALTY"), Span(9, 12, "PLACE")))
    dsd = to_dataset_dict({"train": [doc], "test": []})
    assert dsd["test"].num_rows == 0
    assert dsd["test"].column_names == dsd["train"].column_names == ["id", "text", "source_id", "variant", "spans"]
    assert dsd["train"][0]["spans"] == [{"start": 4, "end": 5, "label": "CASUALTY"}, {"start": 9, "end": 12, "label": "PLACE"}]

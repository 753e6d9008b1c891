"""arner.data command line: ``convert`` to CoNLL on the harness's words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from arner.data import main
from arner.metrics import evaluate_documents, read_documents
from arner.spans import Document


TEXT = "شنت هيئة تحرير الشام حملة أمنية في سرمدا والدانا"


def _jsonl(path: Path, *docs: Document) -> Path:
    lines = (json.dumps(doc.to_dict(), ensure_ascii=False) + "\n" for doc in docs)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _tags(path: Path) -> list[list[str]]:
    """Tag sequences of a CoNLL file written by ``convert``."""
    sentences = path.read_text(encoding="utf-8").split("\n\n")
    return [[line.split("\t")[1] for line in s.splitlines()] for s in sentences if s.strip()]


def _convert(source: Path, target: Path, *extra: str) -> int:
    return main(["convert", str(source), str(target), *extra])


def test_convert_to_conll_splits_proclitics_like_the_harness(tmp_path: Path, doc_from_marks) -> None:
    marks = [("هيئة تحرير الشام", "MILITIA"), ("سرمدا", "PLACE")]
    gold = _jsonl(tmp_path / "gold.jsonl", doc_from_marks("d", TEXT, [*marks, ("الدانا", "PLACE")]))
    # the prediction takes the conjunction و into the place name
    pred = _jsonl(tmp_path / "pred.jsonl", doc_from_marks("d", TEXT, [*marks, ("والدانا", "PLACE")]))
    for name in ("gold", "pred"):
        assert _convert(tmp_path / f"{name}.jsonl", tmp_path / f"{name}.conll") == 0
    assert "و\tO\nالدانا\tB-PLACE\n" in (tmp_path / "gold.conll").read_text(encoding="utf-8")
    harness = evaluate_documents(read_documents(gold)[0], read_documents(pred)[0], bootstrap=0)
    on_file = f1_score(
        _tags(tmp_path / "gold.conll"), _tags(tmp_path / "pred.conll"), mode="strict", scheme=IOB2
    )
    assert on_file == pytest.approx(harness["seqeval_strict"]["micro"]["f1"])
    assert on_file == pytest.approx(2 / 3)  # the MILITIA and سرمدا right, الدانا not
    # kept attached, both spans widen to the same word and the difference disappears
    for name in ("gold", "pred"):
        kept_path = tmp_path / f"{name}.kept.conll"
        assert _convert(tmp_path / f"{name}.jsonl", kept_path, "--keep-proclitics") == 0
    kept = [_tags(tmp_path / f"{name}.kept.conll") for name in ("gold", "pred")]
    assert kept[0] == kept[1]


def test_convert_to_conll_writes_nothing_when_a_document_cannot_be_tagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc_from_marks
) -> None:
    good = doc_from_marks("d1", TEXT, [("سرمدا", "PLACE"), ("الدانا", "PLACE")])
    # two predicted places inside the one word الدانا: word tags cannot hold both
    split = doc_from_marks("d2", TEXT, [("سرمدا", "PLACE"), ("الدا", "PLACE"), ("نا", "PLACE")])
    source = _jsonl(tmp_path / "pred.jsonl", good, split)
    target = tmp_path / "pred.conll"
    assert _convert(source, target) == 2
    error = capsys.readouterr().err
    assert f"{source}: document 'd2'" in error and "'نا'" in error and "الدانا" in error
    assert list(tmp_path.iterdir()) == [source]  # no partial file, no temporary left
    target.write_text("earlier\tO\n", encoding="utf-8")
    assert _convert(source, target) == 2
    assert target.read_text(encoding="utf-8") == "earlier\tO\n"  # an old file stays whole

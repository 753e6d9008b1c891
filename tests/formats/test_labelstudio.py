"""Label Studio JSON export and import, with offset repairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arner.formats.labelstudio import LabelStudioReport, export_tasks, import_tasks
from arner.spans import Document, Span, SpanError, read_jsonl

from support import DATA

SEED_GOLD = DATA / "seed" / "article.spans.jsonl"


def _region(rid: str, start: int, end: int, text: str, label: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }


def _task_file(tmp_path: Path, text: str, *regions: dict[str, Any], **task: Any) -> Path:
    task = {
        "id": 41,
        "data": {"text": text},
        "annotations": [{"id": 1, "result": list(regions)}],
        **task,
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    return path


def _surfaces(doc: Document) -> list[tuple[str, str]]:
    return [(doc.span_text(s), s.label) for s in doc.spans]


@pytest.mark.parametrize("as_predictions", [True, False])
def test_seed_gold_round_trip(tmp_path: Path, as_predictions: bool) -> None:
    [gold] = read_jsonl(SEED_GOLD)
    path = tmp_path / "tasks.json"
    assert export_tasks([gold], path, as_predictions=as_predictions) == 1
    task = json.loads(path.read_text(encoding="utf-8"))[0]
    assert ("predictions" in task) is as_predictions and task["data"]["id"] == "seed-article"
    report = LabelStudioReport()
    [back] = import_tasks(
        path, prefer="predictions" if as_predictions else "annotations", report=report
    )
    assert (back.id, back.text, back.spans) == (gold.id, gold.text, gold.spans)
    assert (report.tasks, report.regions, report.fixed, report.rejected) == (1, 41, 0, 0)
    assert report.messages == []


def test_export_keeps_scores_and_document_extras(tmp_path: Path) -> None:
    doc = Document("p1", "قصف حلب", (Span(4, 7, "PLACE", {"score": 0.93}),), {"source": "sohr"})
    export_tasks([doc], tmp_path / "p.json", model_version="crf-1")
    [task] = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    [prediction] = task["predictions"]
    assert prediction["model_version"] == "crf-1" and prediction["result"][0]["score"] == 0.93
    assert prediction["result"][0]["value"] == {
        "start": 4,
        "end": 7,
        "text": "حلب",
        "labels": ["PLACE"],
    }
    [back] = import_tasks(tmp_path / "p.json")
    assert back.extra == {"source": "sohr"} and back.spans[0].extra == {"score": 0.93}


def test_utf16_offsets_after_emoji_are_converted(tmp_path: Path) -> None:
    text = "🔴🔴 قتل 4 من داعش"
    start = text.index("داعش")
    path = _task_file(tmp_path, text, _region("r1", start + 2, start + 6, "داعش", "MILITIA"))
    report = LabelStudioReport()
    [doc] = import_tasks(path, report=report)
    assert _surfaces(doc) == [("داعش", "MILITIA")]
    assert report.fixed == 1
    assert "task 41" in report.messages[0] and "'r1'" in report.messages[0]
    assert f"[{start + 2}, {start + 6}) -> [{start}, {start + 4})" in report.messages[0]
    assert "UTF-16" in report.messages[0]


def test_region_shifted_by_rtl_marks_is_found(tmp_path: Path) -> None:
    text = "\u200fقتل 4 في \u200fالبوكمال و4 في البوكمال"
    start = text.index("البوكمال")
    # offsets counted on the text without its two RTL marks
    path = _task_file(tmp_path, text, _region("r9", start - 2, start + 6, "البوكمال", "PLACE"))
    report = LabelStudioReport()
    [doc] = import_tasks(path, report=report)
    assert [(s.start, s.end) for s in doc.spans] == [(start, start + 8)]
    assert report.fixed == 1 and "shifted by +2" in report.messages[0]


def test_unique_occurrence_far_away_is_found(tmp_path: Path) -> None:
    text = "غارات على مواقع لواء فاطميون في الميادين"
    path = _task_file(tmp_path, text, _region("r2", 0, 9, "الميادين", "PLACE"))
    [doc] = import_tasks(path)
    assert _surfaces(doc) == [("الميادين", "PLACE")]


def test_whitespace_in_region_is_trimmed(tmp_path: Path) -> None:
    text = "في مدينة دير الزور ومحيطها"
    start = text.index(" دير")
    path = _task_file(tmp_path, text, _region("r3", start, start + 11, " دير الزور ", "PLACE"))
    report = LabelStudioReport()
    [doc] = import_tasks(path, report=report)
    assert _surfaces(doc) == [("دير الزور", "PLACE")]
    assert report.fixed == 1 and "whitespace trimmed" in report.messages[0]


def test_unlocatable_region_is_rejected_and_counted(tmp_path: Path) -> None:
    text = "قتل 4 في البوكمال و4 في البوكمال"
    regions = [
        _region("ok", 0, 3, "قتل", "CASUALTY"),
        _region("gone", 3, 6, "حمص", "PLACE"),
        _region("twice", 0, 8, "البوكمال", "PLACE"),  # two occurrences, neither near
    ]
    path = _task_file(tmp_path, text, *regions)
    report = LabelStudioReport()
    [doc] = import_tasks(path, report=report)
    assert _surfaces(doc) == [("قتل", "CASUALTY")]
    assert (report.regions, report.rejected, report.fixed) == (3, 2, 0)
    assert "'gone'" in report.messages[0] and "not found" in report.messages[0]
    with pytest.raises(SpanError, match=r"task 41 .*region 'gone'.*'حمص'"):
        import_tasks(path, strict=True)


def test_unknown_label_raises_naming_the_task(tmp_path: Path) -> None:
    path = _task_file(tmp_path, "قصف حلب", _region("r5", 4, 7, "حلب", "LOC"))
    with pytest.raises(SpanError, match=r"task 41 .*region 'r5': unknown label 'LOC'"):
        import_tasks(path)


def test_latest_annotation_that_is_not_cancelled_wins(tmp_path: Path) -> None:
    text = "حزب الله في حلب"
    annotations = [
        {
            "id": 1,
            "updated_at": "2024-05-02T10:00:00Z",
            "result": [_region("a", 12, 15, "حلب", "PLACE")],
        },
        {
            "id": 2,
            "updated_at": "2024-05-01T10:00:00Z",
            "result": [_region("b", 0, 8, "حزب الله", "MILITIA")],
        },
        {"id": 3, "updated_at": "2024-05-03T10:00:00Z", "was_cancelled": True, "result": []},
    ]
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps([{"id": 7, "data": {"text": text}, "annotations": annotations}]),
        encoding="utf-8",
    )
    [doc] = import_tasks(path)
    assert doc.id == "7" and _surfaces(doc) == [("حلب", "PLACE")]


def test_prediction_fallback_and_unannotated_task_are_reported(tmp_path: Path) -> None:
    region = _region("p", 4, 7, "حلب", "PLACE")
    tasks = [
        {
            "id": 1,
            "data": {"text": "قصف حلب"},
            "annotations": [],
            "predictions": [{"result": [region]}],
        },
        {
            "id": 2,
            "data": {"text": "قصف حمص"},
            "annotations": [{"was_cancelled": True, "result": []}],
        },
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    report = LabelStudioReport()
    docs = import_tasks(path, report=report)
    assert [(d.id, _surfaces(d)) for d in docs] == [("1", [("حلب", "PLACE")])]
    assert (report.tasks, report.skipped_tasks) == (1, 1)
    assert any("task 1 " in m and "used its predictions" in m for m in report.messages)
    assert any(m.startswith("skipped") and "task 2 " in m for m in report.messages)


def test_json_min_export_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "min.json"
    path.write_text(json.dumps([{"id": 3, "text": "قصف حلب", "label": []}]), encoding="utf-8")
    with pytest.raises(SpanError, match=r"min\.json: task 3: .*JSON-MIN"):
        import_tasks(path)


def test_overlapping_regions_raise(tmp_path: Path) -> None:
    text = "قوات حزب الله"
    path = _task_file(
        tmp_path,
        text,
        _region("x", 0, 13, text, "MILITIA"),
        _region("y", 5, 13, "حزب الله", "MILITIA"),
    )
    with pytest.raises(SpanError, match=r"task 41 .*overlaps"):
        import_tasks(path)

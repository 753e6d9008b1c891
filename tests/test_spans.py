"""The interchange format: reading, writing and rejecting bad documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arner.spans import (
    Document,
    Span,
    SpanError,
    iter_jsonl,
    read_jsonl,
    validate_document,
    write_jsonl,
)

TEXT = "قتل 4 من عناصر حزب الله في دمشق"
GOOD_SPANS = [
    {"start": 4, "end": 5, "label": "CASUALTY"},
    {"start": 15, "end": 23, "label": "MILITIA", "text": "حزب الله"},
    {"start": 27, "end": 31, "label": "PLACE", "source": "hand"},
]


def write_lines(tmp_path: Path, *objects: object) -> Path:
    path = tmp_path / "docs.jsonl"
    lines = [o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objects]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def doc(spans: list, doc_id: str = "d1", text: str = TEXT) -> dict:
    return {"id": doc_id, "text": text, "spans": spans}


def test_round_trip_keeps_extra_keys(tmp_path: Path) -> None:
    path = write_lines(tmp_path, {**doc(GOOD_SPANS), "source": "test"})
    [loaded] = read_jsonl(path)
    assert [loaded.span_text(s) for s in loaded.spans] == ["4", "حزب الله", "دمشق"]
    assert loaded.extra == {"source": "test"}
    assert loaded.spans[2].extra == {"source": "hand"}
    out = tmp_path / "out.jsonl"
    write_jsonl([loaded], out)
    [again] = read_jsonl(out)
    assert again == loaded and again.extra == loaded.extra
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["spans"][2] == {"start": 27, "end": 31, "label": "PLACE", "source": "hand", "text": "دمشق"}
    assert "دمشق" in out.read_text(encoding="utf-8")  # Arabic stays readable


def test_the_surface_follows_the_label_and_replaces_a_stated_one() -> None:
    # the order prediction lines have always had, now the format's one order
    span = Span(27, 31, "PLACE", {"score": 0.9, "text": "دمش"})
    assert list(span.to_dict(TEXT).items()) == [
        ("start", 27), ("end", 31), ("label", "PLACE"), ("text", "دمشق"), ("score", 0.9)]
    assert list(span.to_dict()) == ["start", "end", "label", "score", "text"]


def test_unvalidated_reading_takes_repeated_ids_and_unchecked_spans(tmp_path: Path) -> None:
    path = write_lines(tmp_path, doc([{"start": 3, "end": 9, "label": "CITY"}]), "", doc([]))
    assert [(d.id, len(d.spans)) for d in iter_jsonl(path, validate=False)] == [("d1", 1), ("d1", 0)]
    broken = write_lines(tmp_path, doc([]), '{"id": "d2", "text": ')
    with pytest.raises(SpanError, match=r"docs\.jsonl:2: unreadable JSON"):
        list(iter_jsonl(broken, validate=False))


def test_spans_are_sorted_and_compare_without_extra() -> None:
    d = Document("x", TEXT, (Span(27, 31, "PLACE"), Span(4, 5, "CASUALTY", {"score": 0.9})))
    assert [s.start for s in d.spans] == [4, 27]
    assert Span(4, 5, "CASUALTY") == Span(4, 5, "CASUALTY", {"score": 0.1})


BAD_CASES = [
    ("unreadable", '{"id": "d1", "text": ', "unreadable JSON"),
    ("not-object", "[1, 2]", "expected a JSON object"),
    ("missing-id", {"text": TEXT, "spans": []}, "missing field(s) id"),
    ("missing-spans", {"id": "d1", "text": TEXT}, "missing field(s) spans"),
    ("missing-label", doc([{"start": 4, "end": 5}]), "missing field(s) label"),
    ("text-not-str", doc([], text=5), "'text' must be a string"),
    ("start-not-int", doc([{"start": "4", "end": 5, "label": "CASUALTY"}]), "'start' must be an integer, got '4'"),
    ("bool-offset", doc([{"start": True, "end": 5, "label": "CASUALTY"}]), "'start' must be an integer, got True"),
    ("out-of-range", doc([{"start": 27, "end": 99, "label": "PLACE"}]), "out of range for a text of length 31"),
    ("negative", doc([{"start": -1, "end": 3, "label": "PLACE"}]), "out of range"),
    ("reversed", doc([{"start": 9, "end": 4, "label": "PLACE"}]), "start 9 is not before end 4"),
    ("empty", doc([{"start": 4, "end": 4, "label": "PLACE"}]), "start 4 is not before end 4"),
    ("overlap", doc([{"start": 15, "end": 23, "label": "MILITIA"}, {"start": 19, "end": 23, "label": "PLACE"}]), "span 1 [19, 23) 'الله': overlaps span 0 [15, 23)"),
    ("unknown-label", doc([{"start": 27, "end": 31, "label": "LOC"}]), "unknown label 'LOC'"),
    ("leading-space", doc([{"start": 26, "end": 31, "label": "PLACE"}]), "starts with whitespace"),
    ("trailing-space", doc([{"start": 15, "end": 24, "label": "MILITIA"}]), "ends with whitespace"),
    ("text-mismatch", doc([{"start": 27, "end": 31, "label": "PLACE", "text": "حلب"}]), "its 'text' 'حلب' differs"),
]


@pytest.mark.parametrize("name,bad,message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_names_file_line_and_value(tmp_path: Path, name: str, bad: object, message: str) -> None:
    path = write_lines(tmp_path, doc(GOOD_SPANS, doc_id="ok"), bad)
    with pytest.raises(SpanError) as caught:
        read_jsonl(path)
    text = str(caught.value)
    assert f"{path}:2" in text
    assert message in text
    if name not in {"unreadable", "not-object", "missing-id"}:
        assert "document 'd1'" in text


def test_overlap_message_names_both_spans(tmp_path: Path) -> None:
    path = write_lines(tmp_path, doc([{"start": 15, "end": 23, "label": "MILITIA"}, {"start": 19, "end": 31, "label": "PLACE"}]))
    with pytest.raises(SpanError, match=r"span 1 \[19, 31\) 'الله في دمشق': overlaps span 0 \[15, 23\)"):
        read_jsonl(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    path = write_lines(tmp_path, doc([]), doc([]))
    with pytest.raises(SpanError, match=r"docs.jsonl:2: document id 'd1' repeats the one on line 1"):
        read_jsonl(path)


def test_blank_lines_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_text("\ufeff" + json.dumps(doc(GOOD_SPANS)) + "\n\n", encoding="utf-8")
    assert len(read_jsonl(path)[0].spans) == 3


def test_validate_document_reports_every_problem() -> None:
    bad = Document("d", TEXT, (Span(4, 5, "CASUALTY"), Span(4, 9, "X"), Span(26, 31, "PLACE")))
    problems = validate_document(bad)
    assert len(problems) == 3
    assert any("unknown label 'X'" in p for p in problems)
    assert any("starts with whitespace" in p for p in problems)


def test_other_label_sets_can_be_validated(tmp_path: Path) -> None:
    path = write_lines(tmp_path, doc([{"start": 27, "end": 31, "label": "LOC"}]))
    assert read_jsonl(path, labels=("LOC",))[0].spans[0].label == "LOC"
    assert read_jsonl(path, labels=None)[0].spans[0].label == "LOC"


def test_a_file_that_is_not_utf8_names_the_line_and_the_byte_in_the_file(tmp_path: Path) -> None:
    from arner.data import main as data_main

    good = json.dumps({"id": "d1", "text": TEXT * 40, "spans": []}, ensure_ascii=False) + "\n"
    lines = [good.replace("d1", f"d{i}").encode() for i in range(12)]  # past the decoder's 8 KiB buffer
    data = b"".join(lines) + '{"id": "x", "text": "قتل '.encode() + b"\xff" + b'", "spans": []}\n'
    path = tmp_path / "latin.jsonl"
    path.write_bytes(data)
    offset = data.index(b"\xff")
    assert offset > 8192
    with pytest.raises(SpanError) as caught:
        read_jsonl(path)
    assert str(caught.value).startswith(f"{path}:13: not UTF-8: byte b'\\xff' at byte {offset} of the file")
    assert data_main(["validate", str(path)]) == 2  # the validator's message is the same one

"""Inline ``[[LABEL|surface]]`` markup: round trips, proclitics outside, every bad line named."""

from __future__ import annotations

from pathlib import Path

import pytest

from arner.data import main as data_main
from arner.formats.inline import parse_inline, read_inline, to_inline
from arner.spans import SpanError, read_jsonl


def test_offsets_point_at_the_raw_surface_after_proclitics_and_quotes() -> None:
    line = 'قُتل [[CASUALTY|٣]] من لـ"[[MILITIA|هيئة تحرير الشام]]" و[[MILITIA|لواء "فاطميون"]] ل[[PLACE|لموصل]]'
    doc = parse_inline(line, "d")
    assert [doc.span_text(s) for s in doc.spans] == ["٣", "هيئة تحرير الشام", 'لواء "فاطميون"', "لموصل"]
    assert doc.text == 'قُتل ٣ من لـ"هيئة تحرير الشام" ولواء "فاطميون" للموصل'
    assert to_inline(doc) == line


@pytest.mark.parametrize("line, why", [
    ("في [[PLACE|حلب]", "unclosed"),
    ("في [[CITY|حلب]]", "unknown label"),
    ("في [[PLACE| حلب]]", "starts with whitespace"),
])
def test_a_bad_marker_is_refused_with_its_document(line: str, why: str) -> None:
    with pytest.raises(SpanError, match=why):
        parse_inline(line, "doc-7")


def test_every_bad_line_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "w9.inline.txt"
    path.write_text("في [[PLACE|حلب]]\nفي [[PLACE|حلب]\n\nقتل [[CASUALTY| 3]]\n", encoding="utf-8")
    with pytest.raises(SpanError) as err:
        read_inline(path)
    assert f"{path}:2:" in str(err.value) and f"{path}:4:" in str(err.value)
    path.write_text("في [[PLACE|حلب]]\n\nو[[MILITIA|داعش]] في [[PLACE|الرقة]]\n", encoding="utf-8")
    docs = read_inline(path)
    assert [d.id for d in docs] == ["w9-0001", "w9-0003"]


def test_convert_command_writes_span_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "batch.inline.txt"
    source.write_text("مقتل [[CASUALTY|عنصرين]] من [[MILITIA|الحوثيين]] في [[PLACE|مأرب]]\n", encoding="utf-8")
    assert data_main(["convert", str(source), str(tmp_path / "out.jsonl")]) == 0
    (doc,) = read_jsonl(tmp_path / "out.jsonl")
    assert [(doc.span_text(s), s.label) for s in doc.spans] == [
        ("عنصرين", "CASUALTY"), ("الحوثيين", "MILITIA"), ("مأرب", "PLACE")]

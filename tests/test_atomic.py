"""Files written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from arner.atomic import replaced_when_done, write_atomic


def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "preds.jsonl"
    write_atomic(target, "قتل 3 في حلب\n")
    with pytest.raises(RuntimeError), replaced_when_done(target, "wb") as handle:
        handle.write("نصف سطر".encode("utf-8"))
        raise RuntimeError("disk gone")
    assert target.read_text(encoding="utf-8") == "قتل 3 في حلب\n"
    assert [p.name for p in tmp_path.iterdir()] == ["preds.jsonl"]


def test_text_mode_writes_utf8_with_unix_newlines(tmp_path: Path) -> None:
    target = tmp_path / "x.conll"
    with replaced_when_done(target) as handle:
        handle.write("دير B-PLACE\nالزور I-PLACE\n")
    assert target.read_bytes() == "دير B-PLACE\nالزور I-PLACE\n".encode("utf-8")

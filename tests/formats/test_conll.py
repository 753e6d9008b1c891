"""CoNLL dialects of the public Arabic corpora: reading, writing, label maps."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from arner.formats.conll import ConllReport, map_labels, read_conll, write_conll
from arner.formats.iob2 import AlignmentReport
from arner.spans import Document, Span, SpanError
from arner.text import tokenize

from support import CORPORA

LRM = "\u200e"


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return path


def _doc(doc_id: str, text: str, *phrases: tuple[str, str]) -> Document:
    spans = [Span(text.index(p), text.index(p) + len(p), label) for p, label in phrases]
    return Document(doc_id, text, tuple(spans))


def _surfaces(doc: Document) -> list[tuple[str, str]]:
    return [(doc.span_text(s), s.label) for s in doc.spans]


def test_newsfane_style_bom_crlf_tab_marks_and_fine_types(tmp_path: Path) -> None:
    content = (
        f"\ufeff{LRM}قصف\tO\r\n{LRM}مطار\tB-FAC:Airport\r\n{LRM}التيفور\tI-FAC:Airport\r\n"
        f"\t\r\n{LRM}في\tO\r\n{LRM}حمص\tB-Population-Center\r\n"
    )
    report = ConllReport()
    docs = read_conll(_write(tmp_path, "news.txt", content), report=report)
    assert [d.id for d in docs] == ["news-1", "news-2"]
    assert [d.text for d in docs] == ["قصف مطار التيفور", "في حمص"]
    assert _surfaces(docs[0]) == [("مطار التيفور", "FAC:Airport")]
    assert _surfaces(docs[1]) == [("حمص", "Population-Center")]
    assert (report.sentences, report.tokens, report.spans, report.marks_removed) == (2, 5, 2, 5)


def test_wojood_nested_keeps_outermost_and_counts_paragraphs(tmp_path: Path) -> None:
    content = (
        "قال O\nمجلس B-ORG\nالأمن I-ORG\nفي O\nنيويورك B-GPE\n. O\n$#$ O\n\n"
        "جامعة B-ORG\nبيرزيت I-ORG B-GPE\nو O\nرام B-GPE\nالله I-GPE\n\n"
        # same start: the longer span wins; same extent: the first (outer) column wins
        "بلدية B-ORG B-FAC\nغزة I-ORG B-GPE\nكيلو B-UNIT B-QUANTITY\n"
    )
    report = ConllReport()
    docs = read_conll(_write(tmp_path, "wojood.txt", content), doc_prefix="w", report=report)
    assert [d.id for d in docs] == ["w-1", "w-2", "w-3"]
    assert _surfaces(docs[0]) == [("مجلس الأمن", "ORG"), ("نيويورك", "GPE")]
    assert _surfaces(docs[1]) == [("جامعة بيرزيت", "ORG"), ("رام الله", "GPE")]
    assert _surfaces(docs[2]) == [("بلدية غزة", "ORG"), ("كيلو", "UNIT")]
    assert (report.nested_dropped, report.paragraphs, report.stray_inside_fixed) == (4, 1, 0)
    assert any("'بيرزيت' inside ORG 'جامعة بيرزيت'" in e for e in report.examples)


def test_anercorp_style_spaces_stray_inside_and_empty_token(tmp_path: Path) -> None:
    content = "أعلن O\nالجيش  O\nفي O\nدمشق I-LOC\n O\nالصالحية ونايفة O\nO O\n"
    report = ConllReport()
    [doc] = read_conll(_write(tmp_path, "aner.txt", content), report=report)
    assert doc.text == "أعلن الجيش في دمشق الصالحية ونايفة O"
    assert _surfaces(doc) == [("دمشق", "LOC")]
    assert (report.stray_inside_fixed, report.empty_tokens, report.tokens) == (1, 1, 6)
    assert any("aner.txt:4: I-LOC on 'دمشق'" in e for e in report.examples)
    assert any("aner.txt:5" in e and e.startswith("empty token") for e in report.examples)


def test_max_sentences_stops_early(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.txt", "حلب B-LOC\n\nحمص B-LOC\n\nإدلب B-LOC\n")
    assert [d.text for d in read_conll(path, max_sentences=2)] == ["حلب", "حمص"]


@pytest.mark.parametrize(
    ("content", "line", "bad"),
    [
        ("قصف O\nمطار\n", 2, "'مطار'"),
        ("قصف O\r\n\r\nمطار LOC\r\n", 3, "'مطار LOC'"),
        ("قصف\tO\nمطار\tX-FAC\n", 2, "'مطار\\\\tX-FAC'"),
        ("قصف O\nمطار B-\n", 2, "'مطار B-'"),
    ],
)
def test_malformed_line_names_file_and_line(
    tmp_path: Path, content: str, line: int, bad: str
) -> None:
    path = _write(tmp_path, "bad.txt", content)
    with pytest.raises(SpanError, match=rf"bad\.txt:{line}: malformed line {bad}"):
        read_conll(path)


def test_empty_token_with_entity_tag_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "e.txt", f"في O\n{LRM} B-LOC\n")
    with pytest.raises(SpanError, match=r"e\.txt:2: empty token .* B-LOC"):
        read_conll(path)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    docs = [
        _doc(
            "a",
            "قتل 26 عنصراً من حزب الله في دير الزور",
            ("26", "CASUALTY"),
            ("حزب الله", "MILITIA"),
            ("دير الزور", "PLACE"),
        ),
        _doc("b", "غارات إسرائيلية على مطار التيفور", ("مطار التيفور", "PLACE")),
        _doc("c", "لا أحد"),
    ]
    path = tmp_path / "out.conll"
    assert write_conll(docs, path) == 3
    assert path.read_text(encoding="utf-8").splitlines()[:3] == [
        "قتل\tO",
        "26\tB-CASUALTY",
        "عنصراً\tO",
    ]
    back = read_conll(path)
    assert [(d.text, d.spans) for d in back] == [(d.text, d.spans) for d in docs]


def test_write_splits_clitics_and_reports_widening(tmp_path: Path) -> None:
    doc = Document("a", "قصف وحزب الله", (Span(5, 13, "MILITIA"),))
    split, plain = AlignmentReport(), AlignmentReport()
    write_conll([doc], tmp_path / "split.conll", split_clitics=True, lexicon=["حزب"], report=split)
    write_conll([doc], tmp_path / "plain.conll", report=plain)
    assert "و\tO\nحزب\tB-MILITIA\n" in (tmp_path / "split.conll").read_text(encoding="utf-8")
    assert (split.exact, plain.widened) == (1, 1)
    [back] = read_conll(tmp_path / "plain.conll")
    assert _surfaces(back) == [("وحزب الله", "MILITIA")]


def test_write_rejects_a_document_without_tokens(tmp_path: Path) -> None:
    with pytest.raises(SpanError, match="document 'blank' has no tokens"):
        write_conll([Document("blank", "  ")], tmp_path / "x.conll")


def test_write_takes_a_tokenizer_and_leaves_no_partial_file(tmp_path: Path) -> None:
    text = "في سرمدا والدانا"
    good = _doc("a", text, ("سرمدا", "PLACE"), ("الدانا", "PLACE"))
    path = tmp_path / "out.conll"
    words = partial(tokenize, split_clitics=True)
    assert write_conll([good], path, tokenizer=words) == 1
    assert path.read_text(encoding="utf-8").endswith("و\tO\nالدانا\tB-PLACE\n\n")
    clash = _doc("b", text, ("الدا", "PLACE"), ("نا", "CASUALTY"))
    with pytest.raises(SpanError, match=r"document 'b'.*'نا' CASUALTY: shares token 'الدانا'"):
        write_conll([good, clash], path, tokenizer=words)
    assert path.read_text(encoding="utf-8").count("\n\n") == 1  # the earlier file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["out.conll"]  # no temporary left


def test_map_labels_renames_drops_and_rejects_unknown() -> None:
    doc = Document(
        "s-1",
        "حزب الله في حلب مع زيد",
        (
            Span(0, 8, "ORG"),
            Span(12, 15, "LOC"),
            Span(19, 22, "PERS"),
        ),
    )
    [mapped] = map_labels([doc], {"ORG": "MILITIA", "LOC": "PLACE", "PERS": None})
    assert _surfaces(mapped) == [("حزب الله", "MILITIA"), ("حلب", "PLACE")]
    with pytest.raises(
        SpanError, match=r"document 's-1'.*'زيد'.*label 'PERS' is not in the label map"
    ):
        map_labels([doc], {"ORG": "MILITIA", "LOC": "PLACE"})
    [fallback] = map_labels([doc], {"LOC": "PLACE"}, unknown="OTHER")
    assert [s.label for s in fallback.spans] == ["OTHER", "PLACE", "OTHER"]


REAL_FILES = {
    "anercorp_camellab": "ANERCorp_CamelLab_test_RECONSTRUCTED.txt",
    "aqmar_liu2019split": "dev.txt",
    "newsfane_gold": "NewsFANE_Gold_2014_170K.txt",
    "wikifane_gold": "WikiFANE_Gold_2014_500K.txt",
    "wojood_sample": "train.txt",
}


@pytest.mark.parametrize("folder", sorted(REAL_FILES))
def test_real_corpus_first_200_sentences(folder: str) -> None:
    path = CORPORA / folder / REAL_FILES[folder]
    if not path.exists():
        pytest.skip(f"corpus file {path} is absent (the shared corpora are not mounted here)")
    report = ConllReport()
    docs = read_conll(path, report=report, max_sentences=200)
    assert len(docs) == report.sentences == 200
    assert report.tokens > 200 and report.spans > 0
    assert all(d.span_text(s).strip() == d.span_text(s) != "" for d in docs for s in d.spans)
    if folder in ("newsfane_gold", "wikifane_gold"):
        assert report.marks_removed > 0 and LRM not in "".join(d.text for d in docs)
    if folder == "wojood_sample":
        assert report.nested_dropped > 0 and report.paragraphs > 0

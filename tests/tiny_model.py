"""The tiny overfit model the prediction tests share: its Arabic sentences, the long
document made of them, and how it is trained. conftest.py's ``tiny_run`` fixture builds
it once per session; tests import the sentences and builders from here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from arner.align import bio_labels
from arner.encoders.tiny import build_tiny_model
from arner.predict import PreprocessSettings, Predictor, pad_batch
from arner.spans import Document

from support import make_doc

SENTENCES = [
    ("قتل 12 من عناصر وحزب الله في دير الزور",
     [("12", "CASUALTY"), ("حزب الله", "MILITIA"), ("دير الزور", "PLACE")]),
    ("انتشرت الميليشيات الموالية لإيران في البوكمال",
     [("الميليشيات الموالية لإيران", "MILITIA"), ("البوكمال", "PLACE")]),
    ('وقتل 4 من لواء "فاطميون" بمدينة الميادين',
     [("4", "CASUALTY"), ('لواء "فاطميون"', "MILITIA"), ("الميادين", "PLACE")]),
    ("أصيب عنصران من قوات النظام بقصف على ريف حمص الشرقي",
     [("عنصران", "CASUALTY"), ("ريف حمص الشرقي", "PLACE")]),
]
REPEATS = 4
MAX_LENGTH, STRIDE = 32, 8  # small windows, so the long document crosses several edges


def gold_sentences() -> list[Document]:
    return [make_doc(f"s{i}", text, marks) for i, (text, marks) in enumerate(SENTENCES)]


def long_document(repeats: int = REPEATS) -> Document:
    """All sentences, ``repeats`` times over, as one document with its gold spans."""
    unit = " ".join(text for text, _ in SENTENCES)
    marks = [m for _, sentence_marks in SENTENCES for m in sentence_marks]
    return make_doc("long", " ".join([unit] * repeats), marks * repeats)


@contextmanager
def one_thread() -> Iterator[None]:
    """Tiny matrices run fastest on one thread, and do not crawl when other jobs hold the cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def build_overfit_run(directory: Path) -> Path:
    """A run directory whose tiny model has learnt the sentences and the long document
    window by window (seconds on a CPU), saved as training saves one."""
    docs = gold_sentences() + [long_document()]
    labels = bio_labels()
    model, tokenizer = build_tiny_model([d.text for d in docs], labels, seed=0)
    settings = PreprocessSettings(labels, True, ["حزب", "لواء", "إيران"], "none", MAX_LENGTH, STRIDE)
    predictor = Predictor(model, tokenizer, settings, device="cpu")
    ids, mask, gold = pad_batch(predictor.windows(docs), tokenizer.pad_token_id, with_labels=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    torch.manual_seed(0)
    for step in range(1, 1001):
        model.train()
        logits = model(input_ids=ids, attention_mask=mask, labels=gold)
        logits.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step % 25 == 0 and bool((logits.logits.argmax(-1)[gold >= 0] == gold[gold >= 0]).all()):
            break
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    settings.save(directory)
    return directory

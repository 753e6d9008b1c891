"""Batch prediction: documents in, character spans over the raw text out.

Predictions come from a direct forward pass over length-sorted windows, so they
always line up with their documents (``Trainer.predict`` with length grouping
reorders its outputs). The same code scores the dev set during training.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from arner.align import AlignStats, Preprocessor, Window, decode_window_predictions, encode_documents
from arner.spans import Document

SETTINGS_FILE = "arner.json"


@dataclass
class PreprocessSettings:
    """How raw text becomes model input; saved next to a model as ``arner.json``."""

    labels: list[str]
    split_clitics: bool = True
    lexicon: list[str] = field(default_factory=list)
    normalize: str = "none"
    max_length: int = 256
    stride: int = 64

    def preprocessor(self) -> Preprocessor:
        from arner.encoders.sources import normalizer_for

        return Preprocessor(self.split_clitics, frozenset(self.lexicon), normalizer_for(self.normalize))

    def save(self, directory: str | Path) -> None:
        payload = {k: getattr(self, k) for k in self.__dataclass_fields__}
        payload["lexicon"] = sorted(self.lexicon)
        Path(directory, SETTINGS_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "PreprocessSettings":
        path = Path(directory, SETTINGS_FILE)
        if not path.exists():
            raise FileNotFoundError(f"{path}: not an arner model directory (no {SETTINGS_FILE})")
        return cls(**json.loads(path.read_text(encoding="utf-8")))


class Predictor:
    """A token classifier with the preprocessing it was trained with."""

    def __init__(self, model, tokenizer, settings: PreprocessSettings, *, batch_size: int = 32, device: str | None = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.settings = settings
        self.preprocessor = settings.preprocessor()
        self.batch_size = batch_size
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.label2id = {v: k for k, v in self.id2label.items()}

    @classmethod
    def from_dir(cls, directory: str | Path, **kwargs) -> "Predictor":
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        settings = PreprocessSettings.load(directory)
        model = AutoModelForTokenClassification.from_pretrained(directory)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        return cls(model, tokenizer, settings, **kwargs)

    def windows(self, docs: Sequence[Document], stats: AlignStats | None = None) -> list[Window]:
        return encode_documents(
            docs, self.tokenizer, self.label2id, self.preprocessor,
            max_length=self.settings.max_length, stride=self.settings.stride, stats=stats,
        )

    @torch.inference_mode()
    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with predicted spans (gold spans, if any, are replaced)."""
        windows = self.windows(docs)
        labels: list[list[int]] = [[] for _ in windows]
        scores: list[list[float]] = [[] for _ in windows]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        for batch_start in range(0, len(order), self.batch_size):
            batch = order[batch_start : batch_start + self.batch_size]
            ids, mask = pad_batch([windows[i] for i in batch], self.tokenizer.pad_token_id)
            logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device)).logits
            probs = logits.float().softmax(-1)
            best, arg = probs.max(-1)
            for row, i in enumerate(batch):
                n = len(windows[i].input_ids)
                labels[i] = arg[row, :n].tolist()
                scores[i] = best[row, :n].tolist()
        spans = decode_window_predictions(windows, labels, self.id2label, scores)
        return [doc.with_spans(spans.get(i, [])) for i, doc in enumerate(docs)]


def pad_batch(windows: Sequence[Window], pad_id: int, with_labels: bool = False) -> tuple[torch.Tensor, ...]:
    """Right-pad a batch to its longest window (dynamic padding)."""
    width = max(len(w.input_ids) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    labels = torch.full((len(windows), width), -100, dtype=torch.long)
    for row, w in enumerate(windows):
        n = len(w.input_ids)
        ids[row, :n] = torch.tensor(w.input_ids)
        mask[row, :n] = torch.tensor(w.attention_mask)
        if with_labels:
            labels[row, :n] = torch.tensor(w.labels)
    return (ids, mask, labels) if with_labels else (ids, mask)

"""A tiny randomly initialised BERT with a WordPiece vocabulary built from our text.

Built in about a second, for tests and smoke runs: it learns a handful of
sentences, which is all a test needs to prove the pipeline end to end.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

from arner.text import tokenize

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocabulary(texts: Iterable[str], vocab_size: int = 1500) -> dict[str, int]:
    """Special tokens, every character (alone and as ``##`` continuation), then the most
    frequent words, ties broken alphabetically.

    Built by hand rather than with the ``tokenizers`` WordPiece trainer, whose
    choice among equally frequent pieces changes from run to run: the same config
    and seed must give the same model.

    >>> list(tiny_vocabulary(["ب ب ا"]))[5:]
    ['##ا', '##ب', 'ا', 'ب']
    """
    from collections import Counter

    words: Counter[str] = Counter()
    for text in texts:
        words.update(tok.text for tok in tokenize(text))
    chars = sorted({c for w in words for c in w})
    pieces = SPECIAL_TOKENS + [f"##{c}" for c in chars] + chars
    room = max(0, vocab_size - len(pieces))
    frequent = sorted((w for w in words if len(w) > 1), key=lambda w: (-words[w], w))[:room]
    return {piece: i for i, piece in enumerate(pieces + frequent)}


def train_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 1500) -> PreTrainedTokenizerFast:
    """A WordPiece tokenizer over :func:`tiny_vocabulary`; Arabic diacritics and case are kept."""
    tokenizer = Tokenizer(models.WordPiece(tiny_vocabulary(texts, vocab_size), unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=512,
    )


def build_tiny_model(
    texts: Iterable[str], labels: list[str], *, seed: int = 0, hidden_size: int = 64, layers: int = 2
) -> tuple[BertForTokenClassification, PreTrainedTokenizerFast]:
    """A small BERT token classifier and its tokenizer, deterministic under ``seed``."""
    tokenizer = train_tiny_tokenizer(texts)
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=layers,
        num_attention_heads=2, intermediate_size=hidden_size * 2, max_position_embeddings=512,
        num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(seed)
    return BertForTokenClassification(config), tokenizer

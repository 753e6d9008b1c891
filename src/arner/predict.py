"""Batch prediction: documents in, character spans over the raw text out.

Predictions come from a direct forward pass over length-sorted windows, so they
always line up with their documents (``Trainer.predict`` with length grouping
reorders its outputs). The same code scores the dev set during training.

Documents of any length are cut into overlapping windows (:mod:`arner.align`)
and merged back, never truncated. The spans :meth:`Predictor.predict` returns
never start or end on whitespace and never overlap; each carries its ``score``
(mean top probability of its subwords) and, for CASUALTY, the parsed ``value``.
This module reads and writes no files but the model's own; streams, chunks,
resume, error files and shards are :mod:`arner.predict_run`'s.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

from arner.align import (  # noqa: F401 - PreprocessSettings re-exported for older imports
    SETTINGS_FILE, AlignStats, PreprocessSettings, Window, decode_window_predictions, encode_documents,
)
from arner.coordination import joined_pairs, split_coordinated
from arner.encoders.sources import ModelLoadError
from arner.numbers import count_after_noun, counts_no_people, parse_number
from arner.spans import Document, Span
from arner.text import (DIRECTION_ADJECTIVES, DIRECTIONS, NATIONALITY_ADJECTIVES, PROCLITICS, QUOTES, TATWEEL, line_pieces,
                        normalize, with_closing_quote, with_opening_quote, without_marks, word_ranges)
from arner.token_spans import TokenGrid

CASUALTY = "CASUALTY"
MILITIA = "MILITIA"
PLACE = "PLACE"
# A type or head noun alone names no place and no group (GUIDELINES sections 3, 5 and
# 9): `ريف`, `مستشفى` or `معبر` without its name, `قوات`, `فصيل` or `لواء` without a
# group's, the bare anaphors `الهيئة` and `التنظيم`, a direction adjective alone, and
# `مجموعات` or `جماعات`, which only `مسلحة` or a backer makes a descriptive mention. Words
# that are names by themselves stay out of the list (`القاعدة`, `الجزيرة`, `البادية`,
# `العصائب`, Medina's `المدينة`), and so do the militia nouns a bare mention is labelled
# by (`الميليشيات`, `الفصائل`, the definite singular `الميليشيا`); the indefinite
# singular `ميليشيا` alone is none (section 9).
_TYPE_WORDS = (
    "ريف أرياف مستشفى مطار معسكر معبر حاجز شارع دوار بلدة قرية منطقة محافظة حي مخيم "
    "قوات فصيل لواء فوج كتيبة فرقة جيش حزب حركة تنظيم جماعة جماعات مجموعة مجموعات هيئة "
    "جبهة تجمع فيلق مجلس غرفة قوة تحالف"
).split()
LONE_TYPE_WORDS = frozenset(
    normalize(word).text
    for word in [*_TYPE_WORDS, *("ال" + w for w in _TYPE_WORDS), *DIRECTIONS, *("ال" + w for w in DIRECTIONS),
                 "مدينة", "ميليشيا", "مليشيا", "ميلشيا"]
)
# A nationality adjective after a place's own name stays outside (GUIDELINES section 9:
# `الموصل العراقية` -> `الموصل`), so a PLACE span that ends in one loses it, unless the
# span opens with a common noun that makes a conventional name with it (`البادية السورية`,
# `الأراضي السورية`, `الحدود السورية – العراقية`, `الجمهورية العربية السورية`) or with the
# facility word of a hospital or housing estate named by its donor (`المستشفى السعودي`,
# `الإسكان القطري`).
_HEADS = (
    "البادية الأراضي الحدود الساحل الشمال الجنوب الشرق الغرب الوسط الصحراء المياه الأجواء "
    "الجمهورية المملكة الولايات المستشفى مستشفى المشفى مشفى الإسكان إسكان"
).split()
# after the proclitic ل the article's alef is not written (`للأراضي` -> span `لأراضي`)
CONVENTIONAL_HEADS = frozenset(
    normalize(word).text for head in _HEADS for word in (head, "ل" + head[2:] if head.startswith("ال") else head))
# GUIDELINES section 5: a direction noun with a nationality adjective (`الشمال السوري`)
# describes a part of a country and names no place, unless the direction is the name of a
# governorate of that country (Lebanon's `الشمال` and `الجنوب`).
_DIRECTION_NOUNS = "الشمال الجنوب الشرق الغرب الوسط".split()
DIRECTION_NOUNS = frozenset(
    normalize(word).text for noun in _DIRECTION_NOUNS for word in (noun, "ل" + noun[2:]))
GOVERNORATE_DIRECTIONS = frozenset(
    normalize(f"{noun} اللبناني").text for noun in ("الشمال", "الجنوب", "لشمال", "لجنوب"))
# GUIDELINES section 3: a descriptive head noun takes in the words that say whose the groups
# are, and the span stops where that affiliation ends. An adjective that only says what kind
# of groups they are, closing the span right after the head or after the head's own
# nationality or sect adjective, stays outside (`الفصائل المحلية` -> `الفصائل`, `الفصائل
# العراقية المسلحة` -> `الفصائل العراقية`). `جماعات` and `مجموعات` are not among these heads:
# `مسلحة` is what makes them armed groups, so with it they are a two-word head that a
# further kind adjective closes outside (`مجموعات مسلحة محلية` -> `مجموعات مسلحة`).
# Evaluative adjectives stay outside after any name (section 9: `تنظيم داعش الإرهابي` ->
# `تنظيم داعش`) and are no name alone.
_GROUP_HEADS = "ميليشيات مليشيات ميلشيات ميليشيا مليشيا فصائل كتائب".split()
_ARMED_GROUP_NOUNS = "جماعات مجموعات".split()
_KIND_ADJECTIVES = "مسلحة محلية أجنبية إسلامية جهادية متشددة متطرفة مقاتلة".split()
_EVALUATIVE = "إرهابي إرهابية إرهابيين إرهابيون".split()
GROUP_HEADS, ARMED_GROUP_NOUNS, ARMED, KIND_ADJECTIVES, EVALUATIVE_ADJECTIVES = (
    frozenset(normalize(article + word).text for word in words for article in ("", "ال"))
    for words in (_GROUP_HEADS, _ARMED_GROUP_NOUNS, ["مسلحة"], _KIND_ADJECTIVES, _EVALUATIVE))
# GUIDELINES sections 3 and 9: a group noun right before a quoted name is one span with it,
# both quotes inside (`حزب “العمال الكردستاني”`, `فصائل "الجيش الوطني"`); `مجموعة` and
# `مجموعات` are not such nouns and stay outside.
QUOTED_NAME_NOUNS = GROUP_HEADS | frozenset(
    normalize(word).text for word in "تنظيم حركة جماعة ميليشيا مليشيا فصيل حزب".split())
# GUIDELINES section 9: named facilities, and the geographic words that are not type words,
# keep their word inside the PLACE span (`مطار التيفور`, `حاجز حوارة`, `سوق الدانا`, `جبل
# سنجار`), also before a quoted name, quotes and all (`مشفى "القدس"`). Words the corpus
# uses otherwise (roads, streets, gates, squares, graves, mosques, schools) are left out.
FACILITY_WORDS = frozenset(normalize(word).text for word in (
    "مطار معسكر قاعدة معبر سد حقل حقول مستشفى مشفى جسر دوار حاجز ثكنة جامع محطة ميناء سوق "
    "ضاحية مرتفعات تلة تل جبل وادي سهل جزيرة مضيق إقليم جرود حرش مفرق مزارع إسكان مشروع "
    "مصفى مجمع قلعة").split())
# GUIDELINES section 9: `محور` (an axis of fighting) is a type word, outside the PLACE span
# (`محور الدمج` -> `الدمج`), except in the names of Gaza's corridors, which news writes with
# it (`محور فيلادلفيا`, also called `محور صلاح الدين`).
AXIS_WORD = normalize("محور").text
NAMED_CORRIDORS = frozenset(normalize(word).text for word in "فيلادلفيا صلاح نتساريم موراج موراغ كيسوفيم مفلاسيم".split())
# A coordinated PLACE span is never cut right after one of these opening it (`جبل وينان`):
# neither a type word nor a facility word names a place alone (arner.coordination).
UNCUT_AFTER = LONE_TYPE_WORDS | FACILITY_WORDS
# GUIDELINES section 9: the dual of a group noun is, like the singular, no MILITIA without
# a name of its own (`فصيلين`, `مجموعتين مسلحتين`); a quoted name after it is a span alone
# (`فصيلي “الفرقة التاسعة”` -> `الفرقة التاسعة`). Nominative, accusative and construct duals;
# the construct `فصيلا` is left out, as it is also the accusative singular written bare.
_DUAL_STEMS = {"فصيل": "ي", "مجموعت": "ي", "جماعت": "ي", "كتيبت": "ي", "لواء": "", "ميليشيت": "", "مليشيت": ""}
DUAL_GROUP_NOUNS = frozenset(
    normalize(article + stem + ending).text for stem, construct in _DUAL_STEMS.items()
    for ending in ("ين", "ان", *([construct] if construct else [])) for article in ("", "ال"))
# GUIDELINES section 9: "so-called" before a name stays outside, with any head noun before it.
SO_CALLED = frozenset(without_marks(word) for word in "يسمى تسمى يسمي تسمي".split())
SO_CALLED_MA = frozenset("ما لما بما مما فيما".split())
# GUIDELINES sections 5 and 9: `ريف X` with its direction adjective is one span, but a type
# word between them (`ريف محافظة درعا الشمالي`) leaves `ريف` and the type word outside, and
# the adjective, which agrees with `ريف`, not with X, goes with them: the span is `درعا`.
COUNTRYSIDE_WORDS = frozenset(normalize(word).text for word in "ريف ريفي أرياف بادية".split())
ADMINISTRATIVE_TYPE_WORDS = frozenset(normalize(word).text for word in "محافظة مدينة منطقة بلدة قرية ناحية".split())
# GUIDELINES section 9: a descriptive mention headed by a plural group noun runs to the end
# of its backer (`الفصائل المسلحة التابعة لتركيا`); a participle of affiliation is never its
# last word. `مدعوم` takes its backer after `من`, the others after a glued `ل`.
_AFFILIATION = "تابع تابعة تابعين موال موالي موالية موالين مرتبط مرتبطة مرتبطين مقرب مقربة مقربين".split()
_SUPPORTED = "مدعوم مدعومة مدعومين".split()
AFFILIATION_PARTICIPLES, SUPPORTED_PARTICIPLES = (
    frozenset(normalize(article + word).text for word in words for article in ("", "ال"))
    for words in (_AFFILIATION + _SUPPORTED, _SUPPORTED))
# GUIDELINES section 9: outlets named after a place and a number (`السويداء 24`,
# `كوردستان 24`) are not labelled, the place inside neither.
OUTLET_NUMBERS = frozenset({"24"})
# Labels whose spans are names: the lone-word and edge-particle rules apply to them only.
NAME_LABELS = frozenset({MILITIA, PLACE})
# GUIDELINES section 9: fixed expressions built like two coordinated nouns name nothing
# (`معارك كرّ وفرّ`, `بين الفينة والأخرى`), though a model that reads `X وY` as two places
# marks them. Kept as normalize() spells them, so hamzas, alif maqsura and marks match.
FIXED_EXPRESSIONS = tuple(normalize(phrase).text for phrase in (
    "كر وفر", "الكر والفر", "الفينة والأخرى", "الحين والآخر", "الأخضر واليابس", "القاصي والداني",
    "الشاردة والواردة"))
_LONGEST_FIXED_EXPRESSION = max(map(len, FIXED_EXPRESSIONS))
_FIXED_EXPRESSION_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(FIXED_EXPRESSIONS, key=len, reverse=True))) + r")(?!\w)")
# Prepositions, conjunctions and relatives that no name begins or ends with: a span that
# runs into one (`جماعات مسلحة في`) stops before it; so do the adverbs that date a name
# (`جبهة النصرة سابقاً` -> `جبهة النصرة`).
# Matched as written, marks and tatweel aside: folding ى to ي would make the name `علي` the
# preposition `على`.
EDGE_PARTICLES = frozenset(
    "في من على إلى الى عن مع ضد بين عند منذ حتى أو او ثم التي الذي التى الذى الذين و سابقا حاليا".split())
# No int8: torch's dynamic quantisation cost the quickstart model F1 where bf16 did not
# (README, Prediction).
DTYPES = {"float32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
DEVICES = ("auto", "cpu", "cuda")


class Predictor:
    """A token classifier with the preprocessing it was trained with."""

    def __init__(
        self, model, tokenizer, settings: PreprocessSettings, *, batch_size: int = 32,
        device: str | None = None, dtype: str = "float32", inference_only: bool = False,
    ):
        """``inference_only``: ``model`` serves this predictor alone (:meth:`from_dir`), so on
        CPU its linears may be repacked for speed (:mod:`arner.cpu_packed`); a model still
        being trained keeps them. A bf16 model on CPU is converted in place anyway and is
        always packed."""
        self.device = torch.device(resolve_device(device or "auto"))
        self.dtype = resolve_dtype(dtype, self.device.type)
        self.model = model.to(self.device, DTYPES[self.dtype]).eval()
        if self.device.type == "cpu" and (inference_only or self.dtype == "bf16"):
            from arner.cpu_packed import pack_linears, packing_works

            if packing_works(DTYPES[self.dtype]):
                pack_linears(self.model)  # the model is for inference from here on
        self.tokenizer = tokenizer
        self.settings = settings
        self.preprocessor = settings.preprocessor()
        self.joined = joined_pairs(settings.joined_names, self.preprocessor.lexicon)
        self.batch_size = batch_size
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.label2id = {v: k for k, v in self.id2label.items()}

    @classmethod
    def from_dir(cls, directory: str | Path, **kwargs) -> "Predictor":
        """Load a saved run; a missing or corrupt file raises :class:`ModelLoadError` naming it."""
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        settings = PreprocessSettings.load(directory)
        check_model_files(directory)
        model = _loading("model", directory, AutoModelForTokenClassification.from_pretrained)
        tokenizer = _loading("tokenizer", directory, AutoTokenizer.from_pretrained)
        return cls(model, tokenizer, settings, **{"inference_only": True, **kwargs})

    def windows(
        self, docs: Sequence[Document], stats: AlignStats | None = None, words: Sequence[Sequence] | None = None,
    ) -> list[Window]:
        return encode_documents(
            docs, self.tokenizer, self.label2id, self.preprocessor,
            max_length=self.settings.max_length, stride=self.settings.stride, stats=stats, words=words,
            line_windows=self.settings.line_windows,
        )

    @torch.inference_mode()
    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with predicted spans (gold spans, if any, are replaced).

        All windows of all ``docs`` are sorted by length and batched, so a batch
        is padded only to its own longest window.
        """
        # Gold spans only cost time here: labelling windows is per span.
        words = [self.preprocessor.words(d.text) for d in docs]  # for the windows and for snapping
        windows = self.windows([d.with_spans(()) if d.spans else d for d in docs], words=words)
        labels: list[list[int]] = [[] for _ in windows]
        scores: list[list[float]] = [[] for _ in windows]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        for batch_start in range(0, len(order), self.batch_size):
            batch = order[batch_start : batch_start + self.batch_size]
            ids, mask = pad_batch([windows[i] for i in batch], self.tokenizer.pad_token_id)
            ids, mask = ids.to(self.device, non_blocking=True), mask.to(self.device, non_blocking=True)
            probs = self.model(input_ids=ids, attention_mask=mask).logits.float().softmax(-1)
            best, arg = (t.cpu() for t in probs.max(-1))
            for row, i in enumerate(batch):
                n = len(windows[i].input_ids)
                labels[i] = arg[row, :n].tolist()
                scores[i] = best[row, :n].tolist()
        spans = decode_window_predictions(windows, labels, self.id2label, scores)
        out = []
        for i, doc in enumerate(docs):
            found = [s for s in spans.get(i, []) if s.extra.get("score", 1.0) >= self.settings.min_span_score]
            if self.settings.snap_to_words:
                found = snap_to_words(found, words[i])
            found = clean_spans(doc.text, found)
            if self.settings.split_coordination:
                found = split_coordinated(doc.text, found, self.preprocessor.lexicon,
                                          lone_words=UNCUT_AFTER, joined=self.joined)
            out.append(doc.with_spans(found))
        return out


WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")


def weights_files(directory: str | Path) -> list[Path]:
    """The weight files of a saved model (one file, or the shards its index names)."""
    directory = Path(directory)
    for name in WEIGHTS_FILES:
        index = directory / f"{name}.index.json"
        if index.exists():
            try:
                shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
                raise ModelLoadError.about(index, "unreadable shard index", err) from None
            return [directory / shard for shard in shards]
        if (directory / name).exists():
            return [directory / name]
    return []


def check_model_files(directory: str | Path) -> None:
    """Fail fast, naming the file, on a missing or corrupt config.json or weights file
    (transformers would raise a traceback deep inside its loader)."""
    config = Path(directory, "config.json")
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError.about(config, "missing or unreadable model config", err) from None
    files = weights_files(directory)
    if not files:
        raise ModelLoadError(f"{directory}: no model weights ({' or '.join(WEIGHTS_FILES)})")
    for path in files:
        if not path.exists():
            raise ModelLoadError(f"{path}: missing weights shard")
        if path.suffix == ".safetensors":
            from safetensors import safe_open

            try:
                with safe_open(path, framework="pt"):
                    pass  # the header is checked against the file size: truncation shows here
            except Exception as err:  # noqa: BLE001 - SafetensorError is not importable by a stable name
                raise ModelLoadError.about(path, "corrupt or truncated weights", err) from None


def model_identity(directory: str | Path) -> str:
    """The run folder's real name and a hash of its weights: ``quickstart@sha256:0123abcd4567ef89``.
    Stamped on every prediction so that ``predict.py --resume`` can refuse to mix models."""
    import hashlib

    digest = hashlib.sha256()
    for path in weights_files(directory):
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return f"{Path(directory).resolve().name}@sha256:{digest.hexdigest()[:16]}"


def _loading(what: str, directory: str | Path, load):
    try:
        return load(directory)
    except Exception as err:  # noqa: BLE001 - any loader failure is one line naming the folder
        raise ModelLoadError.about(Path(directory), f"cannot load the {what}", err) from None


def resolve_device(name: str = "auto") -> str:
    """``auto`` -> ``cuda`` when available, else ``cpu``; an unavailable ``cuda`` is an error."""
    try:
        kind = name if name in DEVICES else torch.device(name).type
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}; choose from {', '.join(DEVICES)}") from None
    if kind == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: no CUDA device is available to torch {torch.__version__}")
    return name


def resolve_dtype(name: str, device: str) -> str:
    """``name`` when the model can run in that precision on ``device``, else a ValueError;
    ``auto`` becomes :func:`auto_dtype`.

    float32 runs anywhere; fp16 on CUDA; bf16 on CUDA and on CPUs with native
    bf16 (AVX512-BF16 or AMX; elsewhere it is emulated, slower than float32).

    >>> resolve_dtype("float32", "cpu")
    'float32'
    >>> resolve_dtype("auto", "cpu") == ("bf16" if cpu_has_bf16() else "float32")
    True
    >>> resolve_dtype("fp16", "cpu")
    Traceback (most recent call last):
    ...
    ValueError: dtype 'fp16' runs on CUDA only (device is 'cpu'); use float32 or bf16
    """
    if name == "auto":
        return auto_dtype(device)
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {name!r}; choose from auto, {', '.join(DTYPES)}")
    kind = torch.device(device).type
    if name == "fp16" and kind != "cuda":
        raise ValueError(f"dtype 'fp16' runs on CUDA only (device is {device!r}); use float32 or bf16")
    if name == "bf16" and kind == "cpu" and not cpu_has_bf16():
        raise ValueError("dtype 'bf16': this CPU has no native bf16 (AVX512-BF16 or AMX), "
                         "so it would run slower than float32; use float32")
    return name


def auto_dtype(device: str) -> str:
    """bf16 where it runs natively (CUDA devices of compute capability 8 or more, CPUs with
    AVX512-BF16 or AMX), float32 elsewhere: emulated bf16 is slower than float32."""
    kind = torch.device(device).type
    if kind == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "float32"
    return "bf16" if kind == "cpu" and cpu_has_bf16() else "float32"


def cpu_has_bf16() -> bool:
    """Whether oneDNN runs bf16 natively on this CPU."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a private op: absent from some builds
        return False


def snap_to_words(spans: Iterable[Span], words: Sequence) -> list[Span]:
    """Widen each span to the words (text-layer tokens, proclitics apart) it touches:
    :meth:`TokenGrid.char_span` with the ``snap`` policy.

    The model reads those words, and gold spans start and end on them; a span
    edge inside a word (``غان`` of ``أفغانستان``) is a fragment of a subword
    decision, not an entity boundary. A span that starts right after a proclitic
    the tokenizer left attached (``و`` of ``وكفرعويد``) keeps its start.

    >>> from arner.text import tokenize
    >>> words = tokenize("قتل في أفغانستان وكفرعويد", split_clitics=True)
    >>> snap_to_words([Span(9, 12, "PLACE"), Span(18, 25, "PLACE")], words)
    [Span(start=7, end=16, label='PLACE', extra={}), Span(start=18, end=25, label='PLACE', extra={})]
    """
    grid = TokenGrid(words)
    out = []
    for span in spans:
        snapped = grid.char_span(span.start, span.end, "snap")
        out.append(Span(snapped.start, snapped.end, span.label, dict(span.extra)))
    return out


def clean_spans(text: str, spans: Iterable[Span]) -> list[Span]:
    """Spans as predictions promise them: cut at line breaks, edges trimmed by
    :func:`trim_to_guidelines`, never ending before a combining mark (a harakah
    belongs to its letter), spans without a letter or digit dropped, MILITIA and PLACE spans that name
    nothing dropped (:func:`names_nothing`) and so are those inside a fixed expression
    (:func:`in_fixed_expression`), a name span cut to what follows ``ما يسمى``
    (:func:`after_so_called`), a PLACE span's opening axis word left out
    (:func:`without_axis_word`), a PLACE span widened over the facility word before it
    (:func:`with_facility_word`), a PLACE span's closing nationality adjective
    left out (:func:`without_nationality_adjective`), as are the direction adjectives of a
    countryside its type word keeps outside (:func:`without_countryside_adjectives`), a MILITIA
    span's opening dual group noun left out or the span dropped (:func:`without_dual_group_noun`), a quoted
    MILITIA name joined by its group
    noun (:func:`with_group_noun`) and a MILITIA span's closing adjectives that describe
    rather than affiliate (:func:`without_descriptive_adjectives`), a CASUALTY span
    dropped when it counts things or time (:func:`~arner.numbers.counts_no_people`) and
    moved onto the number word that follows its noun (:func:`~arner.numbers.count_after_noun`), no
    overlaps (the lower score loses), and
    each CASUALTY with its parsed ``value`` (None when unparsable).

    >>> clean_spans("قتل  4 عناصر", [Span(3, 7, "CASUALTY", {"score": 0.9})])
    [Span(start=5, end=6, label='CASUALTY', extra={'score': 0.9, 'value': 4})]
    >>> [(s.start, s.end) for s in clean_spans("في حلبُ", [Span(3, 6, "PLACE")])]
    [(3, 7)]
    """
    trimmed = []
    for span in spans:
        for start, end in line_pieces(text, span.start, span.end):
            # Extend the end first: trimming the start first could push it onto marks
            # the extension then adds (a span of spaces before a lone harakah).
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            start, end = trim_to_guidelines(text, start, end)
            if span.label in NAME_LABELS:
                if in_fixed_expression(text, start, end):
                    continue
                start, end = trim_to_guidelines(text, *after_so_called(text, start, end))
                start, end = without_edge_particles(text, start, end)
                if span.label == PLACE:
                    start, end = trim_to_guidelines(text, *without_axis_word(text, start, end))
                    start, end = with_facility_word(text, start, end)
                    start, end = without_nationality_adjective(text, start, end)
                    start, end = without_countryside_adjectives(text, start, end)
                elif span.label == MILITIA:
                    kept = without_dual_group_noun(text, start, end)
                    if kept is None:
                        continue
                    start, end = trim_to_guidelines(text, *kept)
                    start, end = with_group_noun(text, start, end)
                    start, end = without_descriptive_adjectives(text, start, end)
                    start, end = with_backer(text, start, end)
                if names_nothing(text[start:end]):
                    continue
            elif span.label == CASUALTY:
                if counts_no_people(text, start, end):
                    continue
                start, end = count_after_noun(text, start, end)
            if any(_is_word_char(ch) for ch in text[start:end]):
                extra = dict(span.extra)
                if span.label == CASUALTY:
                    extra["value"] = parse_number(text[start:end])
                trimmed.append(Span(start, end, span.label, extra))
    kept: list[Span] = []
    for span in sorted(trimmed, key=lambda s: (s.start, s.end)):
        if kept and span.start < kept[-1].end:
            if span.extra.get("score", 0.0) <= kept[-1].extra.get("score", 0.0):
                continue
            kept.pop()  # sorted by start, so the one before that ends before this one starts
        kept.append(span)
    return without_outlet_places(text, kept)


def without_outlet_places(text: str, spans: Sequence[Span]) -> list[Span]:
    """``spans`` without the PLACE spans that open an outlet's name: a place followed by one of
    ``OUTLET_NUMBERS`` that no span counts as casualties.

    >>> text = "ووثقت السويداء 24 مقتل 18 عنصراً، وسقط في درعا 24 قتيلاً"
    >>> spans = [Span(6, 14, "PLACE"), Span(42, 46, "PLACE"), Span(47, 49, "CASUALTY")]
    >>> [text[s.start:s.end] for s in without_outlet_places(text, spans)]
    ['درعا', '24']
    """
    counted = {span.start for span in spans if span.label == CASUALTY}
    out = []
    for span in spans:
        number = re.match(r"[ \t\u00a0]+(\d+)(?![\d٫.,]\d)", text[span.end:])
        if (span.label == PLACE and number and number.group(1) in OUTLET_NUMBERS
                and span.end + number.start(1) not in counted):
            continue
        out.append(span)
    return out


def without_edge_particles(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without leading and trailing words of ``EDGE_PARTICLES``, cut at
    whitespace; a span of one word is left as it is.

    >>> text = "عمل ضمن جماعات مسلحة في المنطقة"
    >>> a, b = without_edge_particles(text, 8, 23)
    >>> text[a:b]
    'جماعات مسلحة'
    """
    words = word_ranges(text, start, end)
    while len(words) > 1 and without_marks(text[slice(*words[-1])]) in EDGE_PARTICLES:
        words.pop()
    while len(words) > 1 and without_marks(text[slice(*words[0])]) in EDGE_PARTICLES:
        words.pop(0)
    return (words[0][0], words[-1][1]) if words else (start, end)


def without_nationality_adjective(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without a last word in ``NATIONALITY_ADJECTIVES``, unless its first
    word is one of ``CONVENTIONAL_HEADS``; a span of one word is left as it is.

    >>> text = "في ديالى العراقية والبادية السورية وريف القنيطرة السورية"
    >>> [text[slice(*without_nationality_adjective(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("ديالى العراقية", "البادية السورية", "ريف القنيطرة السورية")]
    ['ديالى', 'البادية السورية', 'ريف القنيطرة']
    """
    words = word_ranges(text, start, end)
    if len(words) < 2 or normalize(text[slice(*words[0])]).text in CONVENTIONAL_HEADS:
        return start, end
    if normalize(text[slice(*words[-1])]).text in NATIONALITY_ADJECTIVES:
        return words[0][0], words[-2][1]
    return start, end


def without_countryside_adjectives(text: str, start: int, end: int) -> tuple[int, int]:
    """A PLACE span ``[start, end)`` without its closing ``DIRECTION_ADJECTIVES`` when the two
    words before it are a ``COUNTRYSIDE_WORDS`` word (after any proclitic) and an
    ``ADMINISTRATIVE_TYPE_WORDS`` word: the adjectives describe the countryside, which
    the type word keeps outside. A span of one word is left as it is.

    >>> text = "في ريف محافظة درعا الشمالي وبريف مدينة إدلب الجنوبي الغربي وريف حلب الشرقي"
    >>> [text[slice(*without_countryside_adjectives(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("درعا الشمالي", "إدلب الجنوبي الغربي", "ريف حلب الشرقي")]
    ['درعا', 'إدلب', 'ريف حلب الشرقي']
    """
    words = word_ranges(text, start, end)
    kept = len(words)
    while kept > 1 and normalize(text[slice(*words[kept - 1])]).text in DIRECTION_ADJECTIVES:
        kept -= 1
    if kept == len(words):
        return start, end
    before = [normalize(word).text for word in text[:start].split()[-2:]]
    if len(before) < 2 or before[1] not in ADMINISTRATIVE_TYPE_WORDS:
        return start, end
    if clitic_before(before[0], COUNTRYSIDE_WORDS) is None:
        return start, end
    return words[0][0], words[kept - 1][1]


def without_descriptive_adjectives(text: str, start: int, end: int) -> tuple[int, int]:
    """A MILITIA span ``[start, end)`` without closing ``EVALUATIVE_ADJECTIVES``, and, when
    it opens with one of ``GROUP_HEADS`` (or ``مجموعات مسلحة``), without the ``KIND_ADJECTIVES``
    that close it after the head or after the head's own ``-ية`` adjectives; a span of one
    word is left.

    >>> text = "هاجمت الفصائل المحلية وفصائل المعارضة المسلحة ومجموعات مسلحة محلية وتنظيم داعش الإرهابي"
    >>> [text[slice(*without_descriptive_adjectives(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("الفصائل المحلية", "فصائل المعارضة المسلحة", "مجموعات مسلحة محلية", "تنظيم داعش الإرهابي")]
    ['الفصائل', 'فصائل المعارضة المسلحة', 'مجموعات مسلحة', 'تنظيم داعش']
    """
    words = word_ranges(text, start, end)
    if len(words) < 2:
        return start, end
    forms = [normalize(text[slice(*word)]).text for word in words]
    kept = len(forms)
    while kept > 1 and forms[kept - 1] in EVALUATIVE_ADJECTIVES:
        kept -= 1
    head = 1 if forms[0] in GROUP_HEADS else 2 if forms[0] in ARMED_GROUP_NOUNS and forms[1] in ARMED else 0
    if head:
        head_end = kept
        while head_end > head and forms[head_end - 1] in KIND_ADJECTIVES:
            head_end -= 1
        # `فصائل المعارضة المسلحة`: the adjective may belong to the noun after the head
        if all(form.endswith("ية") for form in forms[head:head_end]):
            kept = head_end
    return (start, end) if kept == len(forms) else (words[0][0], words[kept - 1][1])


def with_backer(text: str, start: int, end: int) -> tuple[int, int]:
    """A MILITIA span ``[start, end)`` headed by a plural group noun that ends on an
    ``AFFILIATION_PARTICIPLES`` word, run on to the end of its backer: the word after it when
    that opens with ``ل`` (after ``مدعوم``: ``من`` and the word after), with a definite
    ``-ي``/``-ية`` adjective of a definite backer. Without a backer there the span stays as
    it is: `الميليشيات الموالية` alone means the loyalist militias.

    >>> text = "هاجمت الفصائل المسلحة التابعة للاحتلال التركي، وميليشيات مدعومة من إيران وأخرى موالية"
    >>> [text[slice(*with_backer(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("الفصائل المسلحة التابعة", "ميليشيات مدعومة", "الفصائل", "وأخرى موالية")]
    ['الفصائل المسلحة التابعة للاحتلال التركي', 'ميليشيات مدعومة من إيران', 'الفصائل', 'وأخرى موالية']
    >>> text = "انسحبت المليشيات الموالية نحو خان طومان"
    >>> text[slice(*with_backer(text, 7, 25))]
    'المليشيات الموالية'
    """
    words = word_ranges(text, start, end)
    forms = [normalize(text[slice(*word)]).text for word in words]
    if (len(forms) < 2 or forms[-1] not in AFFILIATION_PARTICIPLES
            or not (forms[0] in GROUP_HEADS or forms[0] in ARMED_GROUP_NOUNS)):
        return start, end
    after = word_ranges(text, end, min(len(text), end + 120))[:3]
    at = 1 if forms[-1] in SUPPORTED_PARTICIPLES else 0
    if len(after) <= at or text[end : after[0][0]].strip() or (at and text[slice(*after[0])] != "من"):
        return start, end
    backer = _letters_before_punctuation(text[slice(*after[at])])
    if not backer or not (at or backer.startswith("ل")):
        return start, end
    new_end = after[at][0] + len(backer)
    adjective = _letters_before_punctuation(text[slice(*after[at + 1])]) if len(after) > at + 1 else ""
    definite = backer.startswith("لل" if not at else "ال")
    if (new_end == after[at][1] and definite and re.fullmatch(r"ال\w+(?:ي|ية)", adjective)
            and not text[new_end : after[at + 1][0]].strip()):
        new_end = after[at + 1][0] + len(adjective)
    return start, new_end


def _letters_before_punctuation(word: str) -> str:
    """``word`` without the punctuation that closes it; empty unless the rest is letters."""
    kept = word.rstrip("،,.:؛;!?؟")
    return kept if kept.isalpha() else ""


def after_so_called(text: str, start: int, end: int) -> tuple[int, int]:
    """A name span ``[start, end)`` that holds ``ما يسمى`` ("so-called") from the word after
    it on: the label names what follows, not the head noun or the phrase (an ``ما يسمى`` with
    no word after it leaves the span empty, and it is dropped).

    >>> text = 'اشتباكات بين ميليشيا ما يسمى العمالقة وقوات ما يُسمّى بـ"الحرس الوطني"'
    >>> [text[slice(*after_so_called(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("ميليشيا ما يسمى العمالقة", 'ما يُسمّى بـ"الحرس الوطني"', "الحرس الوطني")]
    ['العمالقة', 'ـ"الحرس الوطني"', 'الحرس الوطني']
    """
    words = word_ranges(text, start, end)
    for (ma_start, ma_end), (verb_start, verb_end) in zip(words, words[1:]):
        if text[ma_start:ma_end] in SO_CALLED_MA and without_marks(text[verb_start:verb_end]) in SO_CALLED:
            following = [word for word in words if word[0] >= verb_end]
            if not following:
                return end, end
            name_start = following[0][0]
            # the preposition of `ما يسمى بـ"..."` / `بالحرس` is the phrase's, not the name's
            if re.match(rf"ب(?:{TATWEEL}|[{''.join(QUOTES)}]|ال)", text[name_start:end]):
                name_start += 1
            return name_start, end
    return start, end


def without_dual_group_noun(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A MILITIA span ``[start, end)`` that opens with a ``DUAL_GROUP_NOUNS`` word: from the
    quoted name after it, when there is one; None (no span) when the noun stands alone or
    its next word is a dual adjective (``مسلحتين``, ``تابعين``); otherwise as it is.

    >>> text = 'اشتبك فصيلين مع مجموعتين مسلحتين قرب فصيلي “الفرقة التاسعة” وحركتي حماس'
    >>> [without_dual_group_noun(text, text.index(p), text.index(p) + len(p))
    ...  for p in ("فصيلين", "مجموعتين مسلحتين")]
    [None, None]
    >>> [text[slice(*without_dual_group_noun(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("فصيلي “الفرقة التاسعة”", "حركتي حماس")]
    ['“الفرقة التاسعة”', 'حركتي حماس']
    """
    words = word_ranges(text, start, end)
    first = text[slice(*words[0])] if words else ""
    if clitic_before(first, DUAL_GROUP_NOUNS) is None:
        return start, end
    quote = next((i for i in range(words[0][1], end) if text[i] in QUOTES), None)
    if quote is not None:
        return quote, end
    if len(words) == 1 or re.search(r"(?:ين|ان)$", text[slice(*words[1])]):
        return None
    return start, end


def with_group_noun(text: str, start: int, end: int) -> tuple[int, int]:
    """A MILITIA span ``[start, end)`` that is exactly a quoted name, widened over both
    quotes and the ``QUOTED_NAME_NOUNS`` word before them (its proclitic left outside).

    >>> text = 'مرتبط بحزب “العمال الكردستاني” ومجموعة "عرين الأسود"'
    >>> [text[slice(*with_group_noun(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("العمال الكردستاني", "عرين الأسود")]
    ['حزب “العمال الكردستاني”', 'عرين الأسود']
    """
    if not quoted_whole(text, start, end):
        return start, end
    before = re.search(r"(\S+)\s+$", text[: start - 1])
    if before is None:
        return start, end
    clitic = clitic_before(before.group(1), QUOTED_NAME_NOUNS)
    return (start, end) if clitic is None else (before.start(1) + clitic, end + 1)


def quoted_whole(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` is exactly a quoted name: a quote on each side, none inside.

    >>> text = 'حاجز "المطلق" و"حزب "الله""'
    >>> [quoted_whole(text, text.index(p), text.index(p) + len(p)) for p in ("المطلق", 'حزب "الله"', "حاجز")]
    [True, False, False]
    """
    return (0 < start < end < len(text) and text[start - 1] in QUOTES and text[end] in QUOTES
            and not any(ch in QUOTES for ch in text[start:end]))


def without_axis_word(text: str, start: int, end: int) -> tuple[int, int]:
    """A PLACE span ``[start, end)`` that opens with ``AXIS_WORD`` without it, unless a Gaza
    corridor (``NAMED_CORRIDORS``) follows it.

    >>> text = "هجوم على محور الدمج وعلى محور “فيلادلفيا” ومحور"
    >>> [text[slice(*without_axis_word(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("محور الدمج", "محور “فيلادلفيا”", "ومحور")]
    ['الدمج', 'محور “فيلادلفيا”', 'ومحور']
    """
    words = re.match(r"(\S+)\s+(\S+)", text[start:end])
    if words is None or normalize(words.group(1)).text != AXIS_WORD:
        return start, end
    if normalize(words.group(2).strip(QUOTES)).text in NAMED_CORRIDORS:
        return start, end
    return start + words.start(2), end


def with_facility_word(text: str, start: int, end: int) -> tuple[int, int]:
    """A PLACE span ``[start, end)`` right after a ``FACILITY_WORDS`` word, widened over it
    (its proclitic left outside); after a quoted name, over both quotes too.

    >>> text = 'قصف بمطار التيفور وسوق الدانا وقرب حاجز "المطلق" في طريق المزة'
    >>> [text[slice(*with_facility_word(text, text.index(p), text.index(p) + len(p)))]
    ...  for p in ("التيفور", "الدانا", "المطلق", "المزة")]
    ['مطار التيفور', 'سوق الدانا', 'حاجز "المطلق"', 'المزة']
    """
    quoted = quoted_whole(text, start, end)
    before = re.search(r"(\S+)[ \t\u00a0]+$", text[: start - 1 if quoted else start])
    if before is None:
        return start, end
    clitic = clitic_before(before.group(1), FACILITY_WORDS)
    if clitic is None:
        return start, end
    return before.start(1) + clitic, end + 1 if quoted else end


def clitic_before(word: str, forms: frozenset[str]) -> int | None:
    """The length of the proclitic (0 for none; the longest first) after which ``word``,
    normalized, is one of ``forms``; None when it is not, with or without one.

    >>> [clitic_before(w, COUNTRYSIDE_WORDS) for w in ("ريف", "بريف", "وبريف", "مريف")]
    [0, 1, 2, None]
    """
    for clitic in ("", *sorted(PROCLITICS, key=len, reverse=True)):
        if word.startswith(clitic) and normalize(word[len(clitic):]).text in forms:
            return len(clitic)
    return None


def names_nothing(surface: str) -> bool:
    """Whether ``surface`` holds fewer than two letters (a stray ``و`` or ``ك`` cut
    off a word), or one type or head word and nothing else, after a proclitic
    (``LONE_TYPE_WORDS``), or an evaluative adjective alone (``EVALUATIVE_ADJECTIVES``):
    never a MILITIA or PLACE span by the guidelines.

    A direction noun with a nationality adjective names nothing either (:func:`part_of_country`).

    >>> [names_nothing(w) for w in ("ريف", "وقوات", "للفصيل", "الشمالي", "و", "الإرهابي", "القاعدة", "الميليشيات",
    ...                             "ريف حلب", "الشمال السوري")]
    [True, True, True, True, True, True, False, False, False, True]
    """
    word = normalize(surface.strip(QUOTES + " ")).text
    if sum(ch.isalpha() for ch in word) < 2 or word in EVALUATIVE_ADJECTIVES or part_of_country(word):
        return True
    if word.startswith("لل") and "ال" + word[2:] in LONE_TYPE_WORDS:
        return True
    return clitic_before(word, LONE_TYPE_WORDS) is not None


def in_fixed_expression(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of the ``FIXED_EXPRESSIONS``, written as whole
    words (marks, tatweel and hamza spellings aside).

    >>> text = "تشهد البلدة معارك كرّ وفرّ، ويعود القصف بين الفَينة والأُخرى على كفرنبل"
    >>> [in_fixed_expression(text, text.index(w), text.index(w) + len(w)) for w in ("كرّ وفرّ", "الفَينة", "كفرنبل")]
    [True, True, False]
    """
    low = max(0, start - _LONGEST_FIXED_EXPRESSION - 1)
    near = normalize(text[low : min(len(text), end + _LONGEST_FIXED_EXPRESSION + 1)])
    for found in _FIXED_EXPRESSION_RE.finditer(near.text):
        phrase_start, phrase_end = near.to_raw(found.start(), found.end())
        if low + phrase_start <= start and end <= low + phrase_end:
            return True
    return False


def part_of_country(surface: str) -> bool:
    """Whether ``surface`` is a direction noun and a nationality adjective, which describe a
    part of a country, and not a governorate's name (``GOVERNORATE_DIRECTIONS``).

    >>> [part_of_country(w) for w in ("الشمال السوري", "لجنوب السوري", "الجنوب اللبناني", "الساحل السوري",
    ...                              "الشمال الشرقي", "الشمال")]
    [True, True, False, False, False, False]
    """
    words = normalize(surface).text.split()
    return (len(words) == 2 and words[0] in DIRECTION_NOUNS and words[1] in NATIONALITY_ADJECTIVES
            and " ".join(words) not in GOVERNORATE_DIRECTIONS)


def trim_to_guidelines(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the edges the guidelines keep outside a span:
    whitespace, punctuation, a leading combining mark, a quote whose partner is
    not inside (``تنظيم الدولة”``), and a quote pair wrapping the whole mention
    (``"هيئة تحرير الشام"``). Quotes inside a name stay (``لواء "فاطميون"``), and a
    closing quote right after a name that opened one inside is taken in, as is an opening
    quote right before a name that closes one inside.

    >>> text = 'لواء "فاطميون" و"هيئة تحرير الشام" وداعش”، أربيل ('
    >>> def trimmed(piece):
    ...     a, b = trim_to_guidelines(text, text.index(piece), text.index(piece) + len(piece))
    ...     return text[a:b]
    >>> [trimmed(p) for p in ('لواء "فاطميون"', '"هيئة تحرير الشام"', 'داعش”،', 'أربيل (', '”،')]
    ['لواء "فاطميون"', 'هيئة تحرير الشام', 'داعش', 'أربيل', '']
    """
    end = with_closing_quote(text, start, end)
    start = with_opening_quote(text, start, end)
    while True:
        before = (start, end)
        while start < end and _outside_edge(text, start, end, at_start=True):
            start += 1
        while end > start and _outside_edge(text, start, end, at_start=False):
            end -= 1
        inner_quotes = any(ch in QUOTES for ch in text[start + 1 : end - 1])
        if end - start > 2 and text[start] in QUOTES and text[end - 1] in QUOTES and not inner_quotes:
            start, end = start + 1, end - 1
        if (start, end) == before:
            return start, end


def _outside_edge(text: str, start: int, end: int, *, at_start: bool) -> bool:
    char = text[start] if at_start else text[end - 1]
    if unicodedata.combining(char):
        return at_start
    if char in QUOTES:
        inner = text[start + 1 : end] if at_start else text[start : end - 1]
        return not any(c in QUOTES for c in inner)
    return not _is_word_char(char)


def _is_word_char(char: str) -> bool:
    return char.isalnum() and char != TATWEEL


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

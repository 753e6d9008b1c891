#!/usr/bin/env python
"""arner's Predictor against ``transformers.pipeline("token-classification")``: same spans? how fast?

    .venv/bin/python benchmarks/predict_speed.py --model runs/tiny [--docs 200] [--threads 2]
    .venv/bin/python benchmarks/predict_speed.py --random-bert-base --docs 40 --threads 2 [--dtype bf16]
    .venv/bin/python benchmarks/predict_speed.py --model M --docs 1000 --write-texts docs.jsonl  # predict.py input

Both read the same model directory, the same texts, with the same batch size
and torch threads. The pipeline runs with ``aggregation_strategy="simple"``,
the model's window (arner.json ``max_length`` as the tokenizer's
``model_max_length``) and its ``stride``, so it reads whole documents as we do
(without a stride it would cut each document at one window).

1. Agreement, on short texts: evaluation-set sentences cut at a word end to
   fit one window on both sides (the two merge overlapping windows
   differently). Our model input has proclitics split off (``وحزب`` -> ``و``
   ``حزب``), so the pipeline runs twice: on our words (``is_split_into_words``:
   the same tokenisation, and our predictor with word snapping and the span
   score threshold off, the two steps the pipeline lacks, so the spans must be
   identical; exit status 1 if not) and on the raw text (what a user would do;
   the share that agrees with our full predictor, snapping on, is reported as
   it is).
2. Throughput on article-length documents: evaluation sentences joined up to a
   length drawn around ``--chars`` (``--uniform``: the seed article cut to
   ``--chars``, every document the same). Docs/s for both and their ratio, and
   the tokens each pushed through the model (padding included). On a shared
   or busy machine prefer ``--threads 1``: two threads contending with other
   processes for two cores slow both sides erratically.

3. ``--dtype bf16``: a third side, our predictor in that precision (the
   pipeline stays float32, its default), timed in the same rounds, and how far
   its spans on the article-length documents agree with our float32 spans.
4. Against the hardware: each of our sides' model FLOP/s as a share of a
   matmul peak (square ``--matmul-size`` matrices, best of five) measured
   in this process at the same dtype and thread count. FLOPs of a forward pass:
   2 x non-embedding parameters (every weight one multiply-add; embedding rows are
   looked up, not multiplied) per token, plus attention's 4 x layers x hidden x
   width per token (scores QK^T and their product with V, 2 x hidden x width each),
   over the length-sorted batches the predictor runs, padding included (the model
   computes it too). The peak is the faster of ``torch.matmul`` and oneDNN's
   prepacked linear (the predictor's kernel on CPU) at that dtype.

``--random-bert-base``: a randomly initialised BERT-base-sized classifier
(hidden 768, 12 layers, 12 heads, 64,000-row vocabulary like AraBERT, the tiny
tokenizer's vocabulary in the first rows) in a temporary run directory; speed
does not depend on the weights.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from bisect import bisect_right
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import torch  # noqa: E402

from arner.align import bio_labels  # noqa: E402
from arner.align import PreprocessSettings  # noqa: E402
from arner.cpu_packed import PackedLinear, packing_works  # noqa: E402
from arner.predict import Predictor, clean_spans, pad_batch  # noqa: E402
from arner.spans import Document, Span, read_jsonl, write_jsonl  # noqa: E402

EVAL_SET = ROOT / "data" / "eval" / "conflict_news.spans.jsonl"
SEED = ROOT / "data" / "seed" / "article.spans.jsonl"


def build_random_bert_base(directory: Path) -> Path:
    """A random BERT-base token classifier with the tiny tokenizer, saved as a run directory."""
    from transformers import BertConfig, BertForTokenClassification

    from arner.encoders.tiny import train_tiny_tokenizer

    texts = [d.text for d in read_jsonl(SEED) + read_jsonl(EVAL_SET)]
    tokenizer = train_tiny_tokenizer(texts)
    labels = bio_labels()
    config = BertConfig(
        vocab_size=64_000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=512, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    BertForTokenClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    PreprocessSettings(labels, True, [], "none", 256, 64).save(directory)
    return directory


def article_texts(count: int, chars: int, uniform: bool, seed: int = 0) -> list[str]:
    """``count`` article-length texts: evaluation sentences joined to a length in
    [chars/2, 3*chars/2], or (``uniform``) the seed article cut at a space near ``chars``."""
    if uniform:
        article = read_jsonl(SEED)[0].text
        return [article[: article.rfind(" ", 0, chars)]] * count
    rng = random.Random(seed)
    sentences = [d.text for d in read_jsonl(EVAL_SET)]
    texts = []
    for _ in range(count):
        target, parts, length = rng.randint(chars // 2, 3 * chars // 2), [], 0
        while length < target:
            parts.append(rng.choice(sentences))
            length += len(parts[-1]) + 1
        texts.append(" ".join(parts))
    return texts


def short_texts(predictor: Predictor, tokenizer, count: int) -> list[str]:
    """Evaluation sentences cut at a word end so that each fits one window for both sides."""
    out = []
    for doc in read_jsonl(EVAL_SET)[:count]:
        words = predictor.preprocessor.words(doc.text)
        keep = len(words)
        while keep and not _one_window(predictor, tokenizer, doc.text[: words[keep - 1].end]):
            keep = keep * 3 // 4
        if keep:
            out.append(doc.text[: words[keep - 1].end])
    return out


def _one_window(predictor: Predictor, tokenizer, text: str) -> bool:
    fits = len(tokenizer(text, verbose=False)["input_ids"]) <= predictor.settings.max_length
    return fits and len(predictor.windows([Document("d", text)])) == 1


def pipeline_for(model_dir: Path, settings: PreprocessSettings):
    from transformers import AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.model_max_length = settings.max_length  # the same windows as ours
    return pipeline("token-classification", model=str(model_dir), tokenizer=tokenizer,
                    aggregation_strategy="simple", device="cpu")


def pipeline_spans(tagger, texts: list[str], batch_size: int, stride: int) -> list[set]:
    out = tagger(texts, batch_size=batch_size, stride=stride)
    return [cleaned(text, [(e["start"], e["end"], e["entity_group"], e["score"]) for e in entities])
            for text, entities in zip(texts, out)]


def cleaned(text: str, entities: list[tuple]) -> set:
    """Pipeline entities after the edge clean-up every arner span gets (:func:`clean_spans`):
    the pipeline starts a span on the space an XLM-R ``▁`` covers and ends one before a
    tanween."""
    spans = clean_spans(text, [Span(s, e, label, {"score": float(p)}) for s, e, label, p in entities])
    return {(s.start, s.end, s.label) for s in spans}


def pipeline_spans_on_words(tagger, predictor: Predictor, texts: list[str], batch_size: int) -> list[set]:
    """The pipeline on our words (joined by spaces), entities mapped back to raw offsets."""
    words = [predictor.preprocessor.words(t) for t in texts]
    out = tagger([[w.text for w in ws] for ws in words], is_split_into_words=True, batch_size=batch_size)
    result = []
    for text, ws, entities in zip(texts, words, out):
        starts, at = [], 0
        for w in ws:
            starts.append(at)
            at += len(w.text) + 1

        def raw(offset: int, ws=ws, starts=starts) -> int:
            i = bisect_right(starts, offset) - 1
            return ws[i].start + offset - starts[i]

        result.append(cleaned(text, [(raw(e["start"]), raw(e["end"] - 1) + 1, e["entity_group"], e["score"])
                                     for e in entities]))
    return result


def our_spans(predictor: Predictor, texts: list[str]) -> list[set]:
    docs = predictor.predict([Document(f"d{i}", t) for i, t in enumerate(texts)])
    return [{(s.start, s.end, s.label) for s in d.spans} for d in docs]


def agreement(ours: list[set], theirs: list[set]) -> str:
    same = sum(a == b for a, b in zip(ours, theirs))
    common = sum(len(a & b) for a, b in zip(ours, theirs))
    return (f"identical span sets in {same}/{len(ours)} texts ({100 * same / len(ours):.1f}%); "
            f"{common} spans in common, {sum(map(len, ours))} ours, {sum(map(len, theirs))} pipeline's")


def model_tokens(predictor: Predictor, tagger, texts: list[str], batch_size: int, stride: int) -> tuple[int, int]:
    """Tokens through the model, padding included: ours (length-sorted windows) and the pipeline's
    (its chunks in input order, each document's chunks padded to its longest)."""
    windows = sorted(predictor.windows([Document("d", t) for t in texts]), key=lambda w: len(w.input_ids))
    ours = sum(pad_batch(windows[i:i + batch_size], 0)[0].numel() for i in range(0, len(windows), batch_size))
    chunks = []
    for text in texts:
        enc = tagger.tokenizer(text, truncation=True, stride=stride, return_overflowing_tokens=True)
        lengths = [len(ids) for ids in enc["input_ids"]]
        chunks += [max(lengths)] * len(lengths)  # the pipeline pads a document's chunks together
    batches = [chunks[i:i + batch_size] for i in range(0, len(chunks), batch_size)]
    theirs = sum(max(batch) * len(batch) for batch in batches)
    return ours, theirs


def model_flops(predictor: Predictor, model, texts: list[str], batch_size: int) -> float:
    """Forward FLOPs of ``model`` (unpacked: packed linears hold no parameters) over ``texts``
    as ``predictor`` batches them (see point 4 above)."""
    config = model.config
    dense = sum(p.numel() for name, p in model.named_parameters() if "embeddings" not in name)
    windows = sorted(predictor.windows([Document("d", t) for t in texts]), key=lambda w: len(w.input_ids))
    total = 0
    for i in range(0, len(windows), batch_size):
        batch = windows[i:i + batch_size]
        width = max(len(w.input_ids) for w in batch)
        total += width * len(batch) * (2 * dense + 4 * config.num_hidden_layers * config.hidden_size * width)
    return float(total)


def matmul_peak(dtype: torch.dtype, size: int, repeats: int = 5, clock=time.perf_counter) -> dict[str, float]:
    """FLOP/s of the best of ``repeats`` square products at ``dtype``, by ``clock``: by
    ``torch.matmul`` (the BLAS torch was built with: MKL in float32, oneDNN in bf16) and by
    oneDNN's prepacked linear, the kernel the predictor runs on CPU (where the build has it)."""
    generator = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=generator).to(dtype) for _ in range(2))
    products = {"torch.matmul": lambda: torch.matmul(a, b)}
    if packing_works(dtype):
        packed = PackedLinear(torch.nn.Linear(size, size, bias=False).to(dtype))
        products["oneDNN linear"] = lambda: packed(a)
    peaks = {}
    with torch.inference_mode():
        for name, product in products.items():
            product()  # warm-up: kernels chosen, memory touched
            peaks[name] = 2 * size ** 3 / min(timed([product], repeats, clock))
    return peaks


def peak_with_kernels(dtype: torch.dtype, size: int, clock=time.perf_counter) -> tuple[float, str]:
    """The matmul peak at ``dtype`` (the fastest kernel of :func:`matmul_peak`) and each
    kernel's GFLOP/s as printed beside it."""
    peaks = matmul_peak(dtype, size, clock=clock)
    return max(peaks.values()), ", ".join(f"{kernel} {value / 1e9:.1f}" for kernel, value in peaks.items())


def check_agreement(predictor: Predictor, tagger, short: list[str], batch_size: int) -> bool:
    """Print how far the spans agree; True when they are identical under the same tokenisation."""
    settings = predictor.settings
    kept = settings.snap_to_words, settings.min_span_score
    settings.snap_to_words, settings.min_span_score = False, 0.0
    try:
        unsnapped = our_spans(predictor, short)
    finally:
        settings.snap_to_words, settings.min_span_score = kept
    ours = our_spans(predictor, short)
    same_words = pipeline_spans_on_words(tagger, predictor, short, batch_size)
    print(f"agreement on {len(short)} short texts ({sum(map(len, short)) / len(short):.0f} characters on average, "
          f"one window each), {sum(map(len, ours))} spans predicted:")
    print("  pipeline on our words (same tokenisation), ours unsnapped: " + agreement(unsnapped, same_words))
    shared = shared_characters(predictor, short)
    strict = [[{s for s in spans if not shared[i] & set(range(s[0], s[1]))} for i, spans in enumerate(side)]
              for side in (unsnapped, same_words)]
    print(f"    the same, spans over a character two pieces share left out "
          f"({sum(map(len, shared))} such characters): " + agreement(*strict))
    print("  pipeline on raw text (proclitics unsplit), ours snapped:   "
          + agreement(ours, pipeline_spans(tagger, short, batch_size, predictor.settings.stride)))
    return strict[0] == strict[1]


def shared_characters(predictor: Predictor, texts: list[str]) -> list[set[int]]:
    """Per text, the characters that two subword pieces cover (XLM-R's ``▁`` before a
    digit or a one-letter word): the pipeline labels each piece, arner the last one."""
    out: list[set[int]] = [set() for _ in texts]
    for window in predictor.windows([Document(f"d{i}", t) for i, t in enumerate(texts)]):
        seen: set[tuple[int, int]] = set()
        for start, end in window.char_ranges:
            if (start, end) in seen and start >= 0:
                out[window.doc_index].update(range(start, end))
            seen.add((start, end))
    return out


def timed(runs: list, repeats: int, clock=time.perf_counter) -> list[float]:
    """Best time (wall, or ``clock``) of each run over ``repeats`` rounds, the runs alternating
    within a round so that a load change on the machine hits both sides alike."""
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            started = clock()
            run()
            best[i] = min(best[i], clock() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", type=Path, help="a run directory")
    which.add_argument("--random-bert-base", action="store_true")
    parser.add_argument("--docs", type=int, default=200, help="article-length documents to time")
    parser.add_argument("--chars", type=int, default=2000, help="mean document length in characters")
    parser.add_argument("--uniform", action="store_true", help="every document the seed article cut to --chars")
    parser.add_argument("--short", type=int, default=100, help="short texts for the agreement check (0: skip it)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", choices=("float32", "bf16"), default="float32",
                        help="also time our predictor in this precision (default: float32 only)")
    parser.add_argument("--write-texts", type=Path, metavar="OUT.jsonl",
                        help="only write the --docs article-length texts as JSONL (input for predict.py) and exit")
    parser.add_argument("--matmul-size", type=int, default=2048,
                        help="side of the square matrices of the matmul peak (default: 2048)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="time each side this many times (alternating), keep the best")
    args = parser.parse_args()
    if args.write_texts:
        texts = article_texts(args.docs, args.chars, args.uniform)
        write_jsonl([Document(f"article-{i:04d}", t) for i, t in enumerate(texts)], args.write_texts)
        print(f"wrote {len(texts)} documents ({sum(map(len, texts)) / len(texts):.0f} characters on average) "
              f"to {args.write_texts}")
        return
    torch.set_num_threads(args.threads)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_random_bert_base(Path(tmp)) if args.random_bert_base else args.model
        sys.exit(run(args, model_dir))


def run(args: argparse.Namespace, model_dir: Path) -> int:
    """Agreement check, then throughput; 1 when the spans differ under the same tokenisation."""
    # the agreement check runs torch's own linears, as the pipeline does; the timed sides
    # run what predict.py runs (prepacked linears on CPU)
    plain = Predictor.from_dir(model_dir, batch_size=args.batch_size, device="cpu", inference_only=False)
    predictor = Predictor.from_dir(model_dir, batch_size=args.batch_size, device="cpu")
    settings = predictor.settings
    tagger = pipeline_for(Path(model_dir), settings)
    name = "random BERT-base" if args.random_bert_base else str(model_dir)
    print(f"model {name}: {sum(p.numel() for p in plain.model.parameters()) / 1e6:.1f} M parameters, "
          f"window {settings.max_length}, stride {settings.stride}; batch {args.batch_size}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    agree = not args.short or check_agreement(
        plain, tagger, short_texts(plain, tagger.tokenizer, args.short), args.batch_size)
    texts = article_texts(args.docs, args.chars, args.uniform)
    mean = sum(map(len, texts)) / len(texts)
    our_tokens, their_tokens = model_tokens(predictor, tagger, texts, args.batch_size, settings.stride)
    our_spans(predictor, texts[:2])  # warm-up, both sides
    pipeline_spans(tagger, texts[:2], args.batch_size, settings.stride)
    sides = {"arner Predictor": lambda: our_spans(predictor, texts),
             "HF pipeline": lambda: pipeline_spans(tagger, texts, args.batch_size, settings.stride)}
    if args.dtype != "float32":
        fast = Predictor.from_dir(model_dir, batch_size=args.batch_size, device="cpu", dtype=args.dtype)
        print(f"{args.dtype} against float32 on the timed documents: "
              + agreement(our_spans(fast, texts), our_spans(predictor, texts)).replace("pipeline's", "float32"))
        sides[f"arner Predictor, {args.dtype}"] = lambda: our_spans(fast, texts)
    seconds = dict(zip(sides, timed(list(sides.values()), args.repeats)))
    print(f"throughput on {len(texts)} documents of {mean:.0f} characters on average"
          f"{' (all the same text)' if args.uniform else ''}:")
    tokens = {"HF pipeline": their_tokens}
    for side, took in seconds.items():
        print(f"  {side + ':':28} {len(texts) / took:8.2f} docs/s ({took:.1f} s, "
              f"{tokens.get(side, our_tokens)} model tokens)")
    for side, took in seconds.items():
        if side != "HF pipeline":
            print(f"  ratio, {side} to the pipeline: {seconds['HF pipeline'] / took:.2f}x")
    print_hardware_share(predictor, plain.model, texts, args, {"float32": seconds["arner Predictor"]}
                         | {args.dtype: took for side, took in seconds.items() if side.endswith(args.dtype)})
    if not agree:
        print("FAILED: the spans differ from the pipeline's under the same tokenisation")
    return 0 if agree else 1


def print_hardware_share(predictor: Predictor, model, texts: list[str], args: argparse.Namespace,
                         seconds: dict[str, float]) -> None:
    """Model FLOP/s of each timed precision as a share of the matmul peak at that precision:
    the faster of torch.matmul and oneDNN's linear, so that a kernel choice cannot flatter it."""
    from arner.predict import DTYPES

    flops = model_flops(predictor, model, texts, args.batch_size)
    print(f"against the hardware ({flops / 1e9:.1f} GFLOP per pass: 2 x non-embedding parameters per token "
          f"+ attention 4 x layers x hidden x width; square products of side {args.matmul_size}, "
          f"{torch.get_num_threads()} threads):")
    for name, took in seconds.items():
        peak, each = peak_with_kernels(DTYPES[name], args.matmul_size)
        print(f"  arner Predictor, {name + ':':9} {flops / took / 1e9:8.1f} GFLOP/s of a matmul peak of "
              f"{peak / 1e9:.1f} ({each}): {100 * flops / took / peak:.0f}% of matmul peak")


if __name__ == "__main__":
    main()

"""Write an evaluation to a folder: metrics.json, report.md, confusion.png, errors.jsonl.

:func:`write_report` takes the dict :func:`arner.metrics.evaluate_documents`
returns. The bulky parts go to their own files: the error list to
``errors.jsonl`` (one error a line) and the per-document counts that
``evaluate.py --compare`` needs to ``per_document.json``.

The folder is written whole or not at all: every file goes into a temporary
folder beside it, which is then renamed into place (:func:`report_folder`), so
a failed or killed run never leaves a metrics.json without its report.md, nor
new files mixed with an earlier run's.

A finished training run is reported here too: :func:`finish_run` scores the
selected model on every set (a report folder each under ``reports/``) and writes
the run's ``metrics.json``, model card (``README.md``) and ``loss.png``.

>>> block = {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2, "tp": 1, "fp": 0, "fn": 1}
>>> table = {"micro": block, "macro": block, "per_label": {"PLACE": block}}
>>> md = render_markdown({"labels": ["PLACE"], "documents": 3, "span_exact": table})
>>> print(next(line for line in md.splitlines() if line.startswith("| PLACE")))
| PLACE | 100.00 | 50.00 | 66.67 | - | 2 | 1 | 0 | 1 |
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arner.atomic import fsync_file, write_atomic
from arner.metrics import SCHEMES, EvaluationError, evaluate_documents

if TYPE_CHECKING:  # annotations only: reading a report needs no training code
    from arner.checkpoints import RunState
    from arner.config import Config

__all__ = ["PER_DOCUMENT_FILE", "ReportFolderError", "check_report_folder", "load_per_document", "report_folder",
           "write_report", "render_markdown", "plot_confusion", "finish_run", "metrics_table", "plot_loss_curve",
           "write_model_card"]

METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
CONFUSION_FILE = "confusion.png"
ERRORS_FILE = "errors.jsonl"
PREDICTIONS_FILE = "predictions.jsonl"
PER_DOCUMENT_FILE = "per_document.json"  # what evaluate.py --compare reads
# Keys of the metrics dict that go to side files rather than metrics.json.
_SIDE_KEYS = ("errors", "per_document")
ERROR_EXAMPLES = 30


class ReportFolderError(ValueError):
    """A report folder that may not or could not be written; the message names it and why."""


def check_report_folder(out_dir: str | Path, *, overwrite: bool = False) -> None:
    """Refuse a file, or a non-empty folder unless ``overwrite`` (before any slow work)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReportFolderError(f"{out}: is a file; give a folder for the report")
    if not overwrite and out.is_dir() and any(out.iterdir()):
        raise ReportFolderError(f"{out}: holds files already (an earlier report?); "
                                "give an empty or new folder, or pass --overwrite to replace it")


@contextmanager
def report_folder(out_dir: str | Path, *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary folder beside ``out_dir`` to write into; on success it replaces
    ``out_dir`` by rename, on failure it is removed and ``out_dir`` stays as it was.
    A write error (disk full, no permission) becomes a :class:`ReportFolderError`."""
    out = Path(out_dir)
    check_report_folder(out, overwrite=overwrite)
    target = Path(os.path.abspath(out))  # "." or "x/.." have no name to put a sibling beside
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = _new_sibling(target, ".tmp")
    except OSError as err:
        raise _folder_error(out, err) from None
    try:
        yield stage
        for path in stage.iterdir():  # every file on disk before the rename makes the folder current
            fsync_file(path)
        _swap_into_place(stage, target)
    except OSError as err:
        raise _folder_error(out, err) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _new_sibling(out: Path, suffix: str) -> Path:
    """A new hidden folder beside ``out`` (made with the usual permissions, unlike mkdtemp's 0700)."""
    path = out.parent / f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{suffix}"
    path.mkdir()
    return path


def _folder_error(out: Path, err: OSError) -> ReportFolderError:
    where = err.filename or out
    return ReportFolderError(f"{out}: could not write the report ({where}: {err.strerror or err}); "
                             f"{out} left as it was")


def _swap_into_place(stage: Path, out: Path) -> None:
    """Rename ``stage`` to ``out``; an existing ``out`` is moved aside first, then deleted."""
    if not out.exists():
        stage.rename(out)
        return
    old = _new_sibling(out, ".old")
    out.rename(old / out.name)
    stage.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def write_report(
    metrics: Mapping[str, Any],
    out_dir: str | Path,
    *,
    title: str = "Evaluation report",
    plot: bool = True,
    predictions: Iterable[Any] | None = None,
    overwrite: bool = True,
) -> dict[str, Path]:
    """Write every file of an evaluation, and ``predictions`` (documents) as
    predictions.jsonl, into ``out_dir`` at once (see :func:`report_folder`);
    returns name -> path. Without ``overwrite`` a non-empty ``out_dir`` is refused."""
    out = Path(out_dir)
    with report_folder(out, overwrite=overwrite) as stage:
        written = write_report_files(metrics, stage, title=title, plot=plot)
        if predictions is not None:
            from arner.spans import write_jsonl

            write_jsonl(predictions, stage / PREDICTIONS_FILE)
            written["predictions"] = stage / PREDICTIONS_FILE
    return {name: out / path.name for name, path in written.items()}


def write_report_files(
    metrics: Mapping[str, Any], out: Path, *, title: str = "Evaluation report", plot: bool = True,
) -> dict[str, Path]:
    """The files of an evaluation, written straight into the existing folder ``out``."""
    paths = {
        "metrics": out / METRICS_FILE,
        "report": out / REPORT_FILE,
        "errors": out / ERRORS_FILE,
        "per_document": out / PER_DOCUMENT_FILE,
    }
    summary = {k: v for k, v in metrics.items() if k not in _SIDE_KEYS}
    summary["files"] = {name: path.name for name, path in paths.items()}
    if plot and "confusion" in metrics:
        paths["confusion"] = plot_confusion(metrics["confusion"], out / CONFUSION_FILE)
        summary["files"]["confusion"] = CONFUSION_FILE
    _write_json(paths["metrics"], summary)
    _write_json(paths["per_document"], metrics.get("per_document", {}))
    with paths["errors"].open("w", encoding="utf-8") as handle:
        for error in metrics.get("errors", ()):
            handle.write(json.dumps(error, ensure_ascii=False) + "\n")
    paths["report"].write_text(render_markdown(metrics, title=title), encoding="utf-8")
    return paths


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def load_per_document(path: str | Path) -> dict[str, Any]:
    """The per-document record an evaluation wrote (``per_document.json``), checked."""
    path = Path(path)
    if path.suffix != ".json":  # an evaluation folder
        path = path / PER_DOCUMENT_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationError(
            f"{path}: not found; run evaluate.py with --out there first"
        ) from None
    except json.JSONDecodeError as err:
        raise EvaluationError(f"{path}: unreadable JSON ({err.msg} at line {err.lineno})") from None
    missing = [k for k in ("ids", "labels", "gold_fingerprint", "span_exact") if k not in record]
    if missing:
        raise EvaluationError(f"{path}: missing field(s) {', '.join(missing)}")
    if len(record["ids"]) != len(record["span_exact"]):
        raise EvaluationError(
            f"{path}: {len(record['ids'])} ids but {len(record['span_exact'])} count rows"
        )
    return record


def plot_confusion(confusion: Mapping[str, Any], path: str | Path) -> Path:
    """Draw the type confusion matrix (rows gold, columns predicted) as a PNG."""
    # The Figure API renders through Agg without pyplot, so no global backend is switched.
    from matplotlib.figure import Figure

    labels, matrix = confusion["labels"], confusion["matrix"]
    figure = Figure(figsize=(1.2 * len(labels) + 2, 1.0 * len(labels) + 1.5), layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=30)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    peak = max((v for row in matrix for v in row), default=0)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if peak and value > peak / 2 else "black"
            axes.text(j, i, str(value), ha="center", va="center", color=colour)
    figure.savefig(path, dpi=120)
    return Path(path)


# ---------------------------------------------------------------- markdown


def render_markdown(metrics: Mapping[str, Any], *, title: str = "Evaluation report") -> str:
    """The whole report.md; sections whose metrics are absent are left out."""
    parts = [f"# {title}", "", *_overview(metrics)]
    sections = [
        ("span_exact", "Spans, exact offsets", _table_section),
        (
            "span_partial",
            "Spans, partial overlap (SemEval partial: an overlap earns half; "
            "each label matched on its own)",
            _table_section,
        ),
        ("semeval", "SemEval-2013 view", _semeval_section),
        ("seqeval_strict", "Word tokens, seqeval strict (IOB2)", _seqeval_section),
        ("seqeval_lenient", "Word tokens, seqeval default (conlleval)", _seqeval_section),
        ("casualty_value", "Casualty values", _casualty_section),
        ("confusion", "Type confusion (rows gold, columns predicted)", _confusion_section),
        ("errors", "Errors", _errors_section),
        ("compare", "Paired comparison", _compare_section),
        ("floor", "Lookup floor (gazetteers, no learning)", _floor_section),
        ("novelty", "Names seen and unseen in training", _novelty_section),
    ]
    for key, heading, render in sections:
        if metrics.get(key) is not None:
            parts += ["", f"## {heading}", "", *render(metrics[key])]
    return "\n".join(parts) + "\n"


def _overview(metrics: Mapping[str, Any]) -> list[str]:
    lines = [f"- {name}: `{value}`" for name, value in metrics.get("inputs", {}).items()]
    labels = ", ".join(metrics.get("labels", []))
    lines.append(f"- documents: {metrics.get('documents', 0)}; labels: {labels}")
    spans = metrics.get("spans", {})
    for side in ("gold", "pred"):
        if side in spans:
            counts = ", ".join(f"{label} {n}" for label, n in spans[side].items())
            lines.append(f"- {side} spans: {counts}")
    boot, one = metrics.get("bootstrap"), metrics.get("documents") == 1
    if boot and boot["samples"]:
        lines.append(
            f"- 95% intervals: {boot['samples']} bootstrap resamples of the documents, "
            f"seed {boot['seed']}" + (" (one document: nothing to resample)" if one else "")
        )
    return lines


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _ci(block: Mapping[str, Any]) -> str:
    ci = block.get("f1_ci")
    return "-" if not ci else f"{_pct(ci[0])}-{_pct(ci[1])}"


def _count(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _row(*cells: Any) -> str:
    """One markdown table row."""
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _header(*names: str) -> list[str]:
    return [_row(*names), "|---" * len(names) + "|"]


def _scores(block: Mapping[str, Any]) -> tuple[str, str, str]:
    return _pct(block["precision"]), _pct(block["recall"]), _pct(block["f1"])


def _table_section(table: Mapping[str, Any]) -> list[str]:
    lines = _header("label", "P", "R", "F1", "F1 95% CI", "support", "tp", "fp", "fn")
    rows = [*table["per_label"].items(), ("micro", table["micro"]), ("macro", table["macro"])]
    for name, b in rows:
        counts = (_count(b.get(key)) for key in ("support", "tp", "fp", "fn"))
        lines.append(_row(name, *_scores(b), _ci(b), *counts))
    return lines


def _semeval_rows(name: str, schemes: Mapping[str, Any]) -> list[str]:
    keys = ("COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT")
    return [
        _row(name, scheme, *(schemes[scheme][k] for k in keys), *_scores(schemes[scheme]))
        for scheme in SCHEMES
    ]


def _semeval_section(semeval: Mapping[str, Any]) -> list[str]:
    lines = [
        "COR correct, INC incorrect, PAR partial, MIS missed, SPU spurious; POS = COR+INC+PAR+MIS "
        "(gold), ACT = COR+INC+PAR+SPU (predicted). Pairs are a maximum one-to-one matching "
        "per document. Per label, as in nervaluate >= 1.0: gold and predictions are both "
        "filtered to the label first, so a prediction of another label on a gold span counts "
        "as MIS under the gold label and SPU under its own.",
        "",
        *_header(
            "label", "scheme", "COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT", "P", "R", "F1"
        ),
    ]
    lines += _semeval_rows("all", semeval["overall"])
    for label, schemes in semeval["per_label"].items():
        lines += _semeval_rows(label, schemes)
    return lines


def _seqeval_section(block: Mapping[str, Any]) -> list[str]:
    lines = _table_section(block)
    invalid = block.get("invalid_sequences", {})
    lines += [
        "",
        f"Invalid I- tags (continuing nothing): gold {invalid.get('gold', 0)}, "
        f"predicted {invalid.get('pred', 0)}.",
    ]
    for side, report in block.get("alignment", {}).items():
        lines.append(
            f"Alignment, {side}: {report['spans']} spans on word tokens, {report['widened']} "
            f"widened to whole tokens, {report['untaggable']} not expressible as word tags."
        )
    return lines


def _casualty_section(block: Mapping[str, Any]) -> list[str]:
    lines = [
        "A predicted count is right when it overlaps a gold CASUALTY span with the same value.",
        "",
        *_header("P", "R", "F1", "F1 95% CI", "support", "tp", "fp", "fn"),
        _row(*_scores(block), _ci(block), *(block[k] for k in ("support", "tp", "fp", "fn"))),
    ]
    unparsed = block.get("unparsed", [])
    lines += ["", f"Spans whose number could not be read: {len(unparsed)}."]
    lines += [
        f"- {u['side']} `{u['doc_id']}` [{u['start']}, {u['end']}): {u['text']}" for u in unparsed
    ]
    return lines


def _confusion_section(confusion: Mapping[str, Any]) -> list[str]:
    labels = confusion["labels"]
    lines = _header("gold \\ predicted", *labels)
    for label, row in zip(labels, confusion["matrix"], strict=True):
        lines.append(_row(label, *row))
    return lines + ["", f"![confusion matrix]({CONFUSION_FILE})"]


def _span_text(span: Mapping[str, Any] | None) -> str:
    if span is None:
        return "-"
    return f"{span['label']} [{span['start']}, {span['end']}) «{span['text']}»"


def _errors_section(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(e["kind"] for e in errors).items()))
    lines = [
        f"{len(errors)} errors ({kinds or 'none'}); all of them, with context, in `{ERRORS_FILE}`."
    ]
    if errors:
        lines += ["", *_header("document", "kind", "gold", "predicted", "context")]
    for e in errors[:ERROR_EXAMPLES]:
        context = f"…{e['left'][-20:]}⟦{e['middle']}⟧{e['right'][:20]}…"
        cells = (e["doc_id"], e["kind"], _span_text(e["gold"]), _span_text(e["pred"]), context)
        lines.append(_row(*map(_cell, cells)))
    return lines


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def novelty_line(novelty: Mapping[str, Any]) -> str:
    """One line: exact recall on gold names unseen in training, beside seen ones."""
    parts = []
    for group in ("unseen", "seen"):
        block = novelty[group]
        interval = " [{:.3f}, {:.3f}]".format(*block["recall_ci"]) if block.get("recall_ci") else ""
        parts.append(f"{group} {block['recall']:.3f}{interval} ({block['found']}/{block['support']})")
    return "recall on names " + ", ".join(parts)


def _novelty_section(novelty: Mapping[str, Any]) -> list[str]:
    lines = [f"Exact recall of gold spans whose text is, or is not, a training span of the same label "
             f"({novelty['known_names']} known names; `arner.metrics.novelty`).", "",
             "| label | unseen: recall | found/support | seen: recall | found/support |", "|---|---:|---:|---:|---:|"]
    rows = [*novelty["per_label"].items(), ("all", {g: novelty[g] for g in ("unseen", "seen")})]
    for label, groups in rows:
        cells = [f"{groups[g]['recall']:.3f} | {groups[g]['found']}/{groups[g]['support']}" for g in ("unseen", "seen")]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return [*lines, "", novelty_line(novelty) + "."]


def _floor_section(floor: Mapping[str, Any]) -> list[str]:
    return [f"The {floor['name']} on the same documents, exact spans:", "",
            *_table_section(floor["span_exact"]), "", *_compare_section(floor["compare"])]


def _compare_section(compare: Mapping[str, Any]) -> list[str]:
    ci = compare.get("delta_ci")
    interval = f"{_pct(ci[0])} to {_pct(ci[1])}" if ci else "-"
    p_value = "-" if compare.get("p_value") is None else f"{compare['p_value']:.4f}"
    return [
        f"{compare['metric']}: this run {_pct(compare['f1'])}, "
        f"`{compare['other']}` {_pct(compare['other_f1'])}.",
        f"Difference {_pct(compare['delta'])} points, 95% interval {interval} "
        f"({compare['samples']} paired resamples, seed {compare['seed']}); "
        f"one-sided p = {p_value}.",
    ]


# ---------------------------------------------------------------- a finished training run


def finish_run(run_dir: Path, splits: dict, scored: dict, state: RunState, config: Config) -> dict:
    """Reload the selected model from disk, score dev, test and the scored sets; write
    each set's full evaluation report, the metrics summary, model card and loss curve."""
    from arner.baseline import LOOKUP_LABELS, score_floor
    from arner.dataset import scored_labels
    from arner.gazetteers import load_gazetteers
    from arner.metrics.novelty import known_surfaces, novelty_recall
    from arner.predict import Predictor

    predictor = Predictor.from_dir(run_dir, batch_size=config.train.eval_batch_size)
    gazetteers = load_gazetteers(config.data.gazetteers)
    known = known_surfaces(splits["train"])
    metrics: dict = {"best_epoch": state.best_epoch, "dev_f1_at_best": state.best_dev_f1}
    for name, docs in [("dev", splits["dev"]), ("test", splits["test"]), *scored.items()]:
        if not docs:
            print(f"{name}: no documents (e.g. test_sentences: 0), not scored", file=sys.stderr)
            continue
        predictions = predictor.predict(docs)
        labels = scored_labels(config.data, name, docs)
        full = evaluate_documents(docs, predictions, labels=labels, seed=config.train.seed)
        if set(labels) & set(LOOKUP_LABELS):  # ANERcorp's own four types have no floor
            full["floor"] = score_floor(docs, full, gazetteers, labels=labels, seed=config.train.seed)
        full["novelty"] = novelty_recall(docs, predictions, known, labels=labels, seed=config.train.seed)
        write_report(full, run_dir / "reports" / name, title=f"{config.name}: {name}", predictions=predictions)
        metrics[name] = dict(full["span_exact"])
        if "floor" in full:
            metrics[name] |= {"floor": full["floor"]["span_exact"], "model_minus_floor": full["floor"]["compare"]}
        metrics[name]["novelty"] = {group: full["novelty"][group] for group in ("unseen", "seen")}
    plot_loss_curve(run_dir / "train_log.jsonl", run_dir / "loss.png")
    write_model_card(run_dir, config, metrics, state.resumed_from)
    write_atomic(run_dir / METRICS_FILE, json.dumps(metrics, indent=2))  # last: marks the run finished
    return metrics


def metrics_table(metrics: dict) -> str:
    """Markdown table of span P/R/F1 per label for each scored set (95% CI when known)."""
    lines = ["| set | label | precision | recall | F1 | 95% CI | support |", "|---|---|---:|---:|---:|---|---:|"]
    for name, scores in metrics.items():
        if not isinstance(scores, dict):
            continue
        rows = [*scores["per_label"].items(), ("micro", scores["micro"])]
        if "floor" in scores:  # the gazetteer lookup on the same documents
            rows.append(("micro, gazetteer lookup", scores["floor"]["micro"]))
        for label, m in rows:
            ci = m.get("f1_ci")
            interval = f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else ""
            lines.append(f"| {name} | {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} "
                         f"| {interval} | {m['support']} |")
    return "\n".join(lines)


def plot_loss_curve(log_path: Path, out: Path) -> None:
    """Training loss by step and dev span micro-F1 by epoch, from train_log.jsonl, as a PNG."""
    from matplotlib.figure import Figure  # no pyplot: no global backend or figure state

    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    steps = [r["loss"] for r in records if "loss" in r]
    epochs = [r for r in records if "dev_micro_f1" in r]
    figure = Figure(figsize=(10, 3.5))
    left, right = figure.subplots(1, 2)
    left.plot(range(1, len(steps) + 1), steps)
    left.set(title="training loss", xlabel="step", ylabel="loss")
    right.plot([r["epoch"] for r in epochs], [r["dev_micro_f1"] for r in epochs], marker="o")
    right.set(title="dev span micro-F1", xlabel="epoch", ylim=(0, 1))
    figure.tight_layout()
    figure.savefig(out, dpi=100)


def write_model_card(run_dir: Path, config: Config, metrics: dict, resumed_from: Sequence[int] = ()) -> None:
    """README.md of the run directory: what was trained on what, the scores, how to load it."""
    from arner.determinism import reproducibility_note

    corpora = ", ".join(f"{c.name} `{c.path}` (weight {c.weight}, {c.variants} variants)" for c in config.data.corpora)
    card = [
        "---", "library_name: transformers", "pipeline_tag: token-classification", "language: ar", "---", "",
        f"# arner: {config.name}", "",
        "Arabic token classifier for conflict news: MILITIA, PLACE and CASUALTY spans.", "",
        f"- base encoder: `{config.model.name}`",
        f"- data: seed gold `{config.data.seed_gold}`, {config.data.variants_per_sentence} variants per sentence, "
        f"gazetteers `{config.data.gazetteers}`; corpora: {corpora or 'none'}",
        f"- scored after training only: evaluation set `{config.data.eval_set}`, "
        f"test corpora: {', '.join(c.name for c in config.data.test_corpora) or 'none'}",
        f"- selected epoch: {metrics['best_epoch']} (dev span micro-F1 {metrics['dev_f1_at_best']:.3f})",
        *([f"- resumed after epoch {', '.join(map(str, resumed_from))}"] if resumed_from else []),
        reproducibility_note(config),
        "", "## Span-level results (exact offsets and label)", "", metrics_table(metrics), "",
        "## Use", "", "```python", "from arner.predict import Predictor",
        f"predictor = Predictor.from_dir({str(run_dir)!r})", "```", "",
        "The text is split into words (proclitics apart) before the tokenizer, as `arner.json`",
        "records; `transformers.pipeline('token-classification', model=DIR)` also loads this directory.",
        "", "## Config", "", "```yaml", (run_dir / "config.yaml").read_text(encoding="utf-8").rstrip(), "```",
    ]
    (run_dir / "README.md").write_text("\n".join(card) + "\n", encoding="utf-8")

"""Label Studio tasks for the Labels-on-Text template, out and back in.

The template this module speaks::

    <View>
      <Labels name="label" toName="text">
        <Label value="MILITIA"/><Label value="PLACE"/><Label value="CASUALTY"/>
      </Labels>
      <Text name="text" value="$text"/>
    </View>

:func:`export_tasks` writes a JSON list of tasks, one per document, with the
spans as predictions (to review) or annotations. :func:`import_tasks` reads
Label Studio's full JSON export (a list of tasks; JSON-MIN and CSV/TSV
exports are not supported, since they drop the region ids and the choice
between annotations). Regions whose offsets do not match their text are
repaired only when the repair is unambiguous, in this order:

1. offsets counted in UTF-16 code units (Label Studio runs in JavaScript), so
   off after an emoji or other astral character: converted back;
2. the region text found within 3 characters of its offsets (an RTL mark or a
   differently normalised string before it), at one shift only;
3. the region text occurring exactly once in the document;
4. leading/trailing whitespace inside the region: trimmed.

Each repaired region is counted in ``fixed`` with a message naming task,
region and old/new offsets. A region that cannot be located is ``rejected``
(counted, message), or raises with ``strict=True``. A proclitic inside a
region (``وحزب الله``) is an annotation matter, not an offset bug, and is
kept as annotated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arner.spans import LABELS, Document, Span, SpanError, validate_document

__all__ = ["LabelStudioReport", "export_tasks", "import_tasks", "utf16_to_index"]

FROM_NAME = "label"
TO_NAME = "text"
MAX_SHIFT = 3
_SOURCES = ("annotations", "predictions")


@dataclass
class LabelStudioReport:
    """Counts from :func:`import_tasks`; ``messages`` names every repair, skip and rejection."""

    tasks: int = 0
    regions: int = 0
    fixed: int = 0
    rejected: int = 0
    skipped_tasks: int = 0
    ignored_results: int = 0
    messages: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- export


def _region(doc: Document, index: int, span: Span) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": f"{doc.id}-{index}",
        "from_name": FROM_NAME,
        "to_name": TO_NAME,
        "type": "labels",
        "value": {
            "start": span.start,
            "end": span.end,
            "text": doc.span_text(span),
            "labels": [span.label],
        },
    }
    if "score" in span.extra:
        region["score"] = span.extra["score"]
    return region


def export_tasks(
    docs: Iterable[Document],
    path: str | Path,
    *,
    as_predictions: bool = True,
    model_version: str = "arner",
) -> int:
    """Write one Label Studio task per document; returns the number of tasks.

    ``data`` holds the document id, text and any extra document keys. Offsets
    are Python string indices, which is what Label Studio's Text tag uses for
    text without astral characters; :func:`import_tasks` converts UTF-16 ones back.
    """
    tasks = []
    for doc in docs:
        result = [_region(doc, i, span) for i, span in enumerate(doc.spans)]
        data = {"id": doc.id, "text": doc.text, **doc.extra}
        if as_predictions:
            tasks.append(
                {"data": data, "predictions": [{"model_version": model_version, "result": result}]}
            )
        else:
            tasks.append(
                {"data": data, "annotations": [{"result": result, "was_cancelled": False}]}
            )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(tasks)


# ---------------------------------------------------------------- import


def utf16_to_index(text: str, offset: int) -> int | None:
    """The Python index of UTF-16 code unit ``offset`` in ``text``.

    None when the offset falls inside a surrogate pair or past the end.

    >>> utf16_to_index("😀 قتل 4", 7)
    6
    """
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        if units > offset:
            return None
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units == offset else None


def _found_at(text: str, surface: str, start: int) -> bool:
    return start >= 0 and text[start : start + len(surface)] == surface


def _locate(text: str, surface: str, start: int, end: int) -> tuple[int, str] | None:
    """Where ``surface`` is, and how it was found; None when that is not unambiguous."""
    if start == end - len(surface) and _found_at(text, surface, start):
        return start, "as given"
    if any(ord(c) > 0xFFFF for c in text):
        begin = utf16_to_index(text, start)
        if (
            begin is not None
            and utf16_to_index(text, end) == begin + len(surface)
            and _found_at(text, surface, begin)
        ):
            return begin, "UTF-16 offsets converted"
    # Shift 0 here means the start was right but the end was not.
    shifts = [d for d in range(-MAX_SHIFT, MAX_SHIFT + 1) if _found_at(text, surface, start + d)]
    if len(shifts) == 1:
        return start + shifts[0], f"text found shifted by {shifts[0]:+d}"
    first = text.find(surface)
    if first >= 0 and text.find(surface, first + 1) < 0:  # overlapping repeats count too
        return first, "text found at its only occurrence"
    return None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _reject(message: str, strict: bool, report: LabelStudioReport) -> None:
    if strict:
        raise SpanError(message)
    report.rejected += 1
    report.messages.append(f"rejected: {message}")


def _offsets_and_label(value: Any, where: str, labels: Sequence[str]) -> tuple[int, int, str]:
    if not isinstance(value, dict):
        raise SpanError(f"{where}: 'value' must be an object, got {value!r}")
    start, end, names = value.get("start"), value.get("end"), value.get("labels")
    if type(start) is not int or type(end) is not int:
        raise SpanError(f"{where}: 'start' and 'end' must be integers, got {start!r} and {end!r}")
    if not (isinstance(names, list) and len(names) == 1 and isinstance(names[0], str)):
        raise SpanError(f"{where}: 'labels' must hold exactly one label, got {names!r}")
    if names[0] not in labels:
        raise SpanError(
            f"{where}: unknown label {names[0]!r} (expected one of {', '.join(labels)})"
        )
    return start, end, names[0]


def _region_span(
    region: dict[str, Any],
    text: str,
    where: str,
    labels: Sequence[str],
    report: LabelStudioReport,
    strict: bool,
) -> Span | None:
    """The region as a span, repaired if unambiguous; None when rejected."""
    where = f"{where}: region {region.get('id')!r}"
    start, end, label = _offsets_and_label(region.get("value"), where, labels)
    surface = region["value"].get("text")
    if not isinstance(surface, str):  # no text to check against: trust in-range offsets
        surface = text[start:end] if 0 <= start < end <= len(text) else ""
    found = _locate(text, surface, start, end) if surface.strip() else None
    if found is None:
        _reject(f"{where} [{start}, {end}) {surface!r}: not found in the text", strict, report)
        return None
    new_start, how = found
    new_start, new_end = _trimmed(text, new_start, new_start + len(surface))
    repairs = [] if how == "as given" else [how]
    if (new_start, new_end) != (found[0], found[0] + len(surface)):
        repairs.append("whitespace trimmed")
    if repairs:
        report.fixed += 1
        report.messages.append(
            f"fixed: {where} {label} {text[new_start:new_end]!r}: [{start}, {end}) -> "
            f"[{new_start}, {new_end}) ({'; '.join(repairs)})"
        )
    extra = {"score": region["score"]} if "score" in region else {}
    return Span(new_start, new_end, label, extra)


def _latest(entries: Any, where: str) -> dict[str, Any] | None:
    """The most recent entry not cancelled (by updated_at, created_at, then list order)."""
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise SpanError(f"{where}: expected a list, got {type(entries).__name__}")
    usable = [
        (i, e) for i, e in enumerate(entries) if isinstance(e, dict) and not e.get("was_cancelled")
    ]
    if not usable:
        return None
    return max(usable, key=_recency)[1]


def _recency(item: tuple[int, dict[str, Any]]) -> tuple[str, int]:
    # ISO 8601 stamps from one export share a format, so they sort as strings.
    index, entry = item
    return str(entry.get("updated_at") or entry.get("created_at") or ""), index


def _choose(task: dict[str, Any], prefer: str, where: str) -> tuple[str, dict[str, Any]] | None:
    order = (prefer,) + tuple(s for s in _SOURCES if s != prefer)
    for source in order:
        entry = _latest(task.get(source), f"{where}: {source}")
        if entry is not None:
            return source, entry
    return None


def _task_text(task: Any, where: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(task, dict):
        raise SpanError(f"{where}: expected a task object, got {task!r:.80}")
    data = task.get("data")
    if not isinstance(data, dict):
        hint = " (this looks like a JSON-MIN export; export as JSON)" if "text" in task else ""
        raise SpanError(f"{where}: task has no 'data' object{hint}")
    if not isinstance(data.get("text"), str):
        raise SpanError(f"{where}: data.text must be a string, got {data.get('text')!r:.80}")
    return data["text"], data


def _task_document(
    task: Any,
    index: int,
    path: Path,
    labels: Sequence[str],
    prefer: str,
    report: LabelStudioReport,
    strict: bool,
) -> Document | None:
    name = task.get("id", f"#{index + 1}") if isinstance(task, dict) else f"#{index + 1}"
    where = f"{path}: task {name}"
    text, data = _task_text(task, where)
    doc_id = str(data.get("id", task.get("id", f"{path.stem}-{index + 1}")))
    where = f"{where} (document {doc_id!r})"
    chosen = _choose(task, prefer, where)
    if chosen is None:
        report.skipped_tasks += 1
        report.messages.append(
            f"skipped: {where}: no annotation or prediction that is not cancelled"
        )
        return None
    source, entry = chosen
    if source != prefer:
        report.messages.append(f"note: {where}: no usable {prefer}; used its {source}")
    spans = _result_spans(entry.get("result"), text, f"{where}: {source}", labels, report, strict)
    extra = {k: v for k, v in data.items() if k not in ("id", "text")}
    doc = Document(doc_id, text, tuple(spans), extra)
    problems = validate_document(doc, labels)
    if problems:
        raise SpanError(f"{where}: " + "; ".join(problems))
    report.tasks += 1
    return doc


def _result_spans(
    result: Any,
    text: str,
    where: str,
    labels: Sequence[str],
    report: LabelStudioReport,
    strict: bool,
) -> list[Span]:
    if not isinstance(result, list):
        raise SpanError(f"{where}: 'result' must be a list, got {result!r:.80}")
    spans: dict[tuple[int, int, str], Span] = {}
    for region in result:
        if not isinstance(region, dict) or region.get("type") != "labels":
            report.ignored_results += 1
            kind = region.get("type") if isinstance(region, dict) else type(region).__name__
            report.messages.append(f"ignored: {where}: result of type {kind!r} is not a text label")
            continue
        report.regions += 1
        span = _region_span(region, text, where, labels, report, strict)
        if span is None:
            continue
        key = (span.start, span.end, span.label)
        if key in spans:  # Label Studio can save the same region twice
            report.fixed += 1
            report.messages.append(
                f"fixed: {where}: region {region.get('id')!r} duplicates {key}; dropped"
            )
            continue
        spans[key] = span
    return list(spans.values())


def import_tasks(
    path: str | Path,
    *,
    labels: Sequence[str] = LABELS,
    prefer: str = "annotations",
    report: LabelStudioReport | None = None,
    strict: bool = False,
) -> list[Document]:
    """Documents from a Label Studio full JSON export (a list of tasks, or one task object).

    Each task uses its most recent ``prefer`` entry ("annotations" or
    "predictions") that is not ``was_cancelled``, else the other kind (noted in
    ``report.messages``); a task with neither is skipped and counted. The
    document id is ``data.id`` (as :func:`export_tasks` writes it), else the
    task id. Offsets are repaired as the module docstring describes; an unknown
    label, a malformed region or overlapping spans raise :class:`SpanError`
    naming file, task and region.
    """
    if prefer not in _SOURCES:
        raise ValueError(f"prefer must be one of {_SOURCES}, got {prefer!r}")
    path = Path(path)
    report = report if report is not None else LabelStudioReport()
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as err:
        raise SpanError(f"{path}: unreadable JSON ({err.msg} at line {err.lineno})") from None
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise SpanError(f"{path}: expected a list of tasks, got {type(tasks).__name__}")
    docs: list[Document] = []
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks):
        doc = _task_document(task, index, path, labels, prefer, report, strict)
        if doc is None:
            continue
        if doc.id in seen:
            raise SpanError(
                f"{path}: task {index + 1}: document id {doc.id!r} repeats task {seen[doc.id]}"
            )
        seen[doc.id] = index + 1
        docs.append(doc)
    return docs

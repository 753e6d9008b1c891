"""predict.py, the command line: every input kind, errors, exports, kill and resume."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file, save_file

from arner.data import main as data_main
from arner.formats.conll import read_conll
from arner.spans import read_jsonl

from predict_main import run_main, write_jsonl
from support import ROOT
from tiny_model import SENTENCES, gold_sentences

GOLD = {doc.text: [(s.start, s.end, s.label) for s in doc.spans] for doc in gold_sentences()}


def read_output(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def spans_of(record: dict) -> list[tuple[int, int, str]]:
    assert all(s["text"] == record["text"][s["start"]:s["end"]] for s in record["spans"])
    return [(s["start"], s["end"], s["label"]) for s in record["spans"]]


def test_round_trip_through_the_cli_and_back_from_label_studio(tiny_run: Path, tmp_path: Path, capsys) -> None:
    gold = gold_sentences()
    source = write_jsonl(tmp_path / "gold.jsonl", [{**d.to_dict(), "source": "sohr"} for d in gold])
    out = tmp_path / "preds.jsonl"
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", out,
                         "--format", "labelstudio", "--format", "conll")
    assert code == 0, err
    assert f"read 4 documents: 4 written to {out}; 0 failed" in err
    records = read_output(out)
    assert [r["id"] for r in records] == ["s0", "s1", "s2", "s3"] and records[0]["source"] == "sohr"
    assert [spans_of(r) for r in records] == [GOLD[d.text] for d in gold]
    assert [s.get("value") for s in records[3]["spans"]] == [2, None]
    assert not (tmp_path / "preds.errors.jsonl").exists()
    # Label Studio pre-annotations import back as training data, spans unchanged
    assert data_main(["convert", str(tmp_path / "preds.labelstudio.json"), str(tmp_path / "back.jsonl")]) == 0
    assert [d.spans for d in read_jsonl(tmp_path / "back.jsonl")] == [d.spans for d in gold]
    conll = read_conll(tmp_path / "preds.conll")
    assert [[s.label for s in d.spans] for d in conll] == [[s.label for s in d.spans] for d in gold]
    assert conll[0].span_text(conll[0].spans[1]) == "حزب الله"  # proclitic و is its own token


def test_every_input_kind(tiny_run: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    texts = [t for t, _ in SENTENCES]
    Path("docs/sub").mkdir(parents=True)
    Path("notes.txt").write_text(f"{texts[0]}\n\n{texts[1]}\n", encoding="utf-8")
    Path("docs/a.txt").write_text(texts[2], encoding="utf-8")
    write_jsonl(Path("docs/sub/b.jsonl"), [{"key": "k1", "body": texts[3]}, {"body": texts[0]}])
    here = tmp_path.name  # a file's ids start with its folder's real name
    runs = {
        "lines": (["--input", "notes.txt", "--lines", "--progress"],
                  [(f"{here}/notes.txt:1", texts[0]), (f"{here}/notes.txt:3", texts[1])]),
        "whole": (["--input", "notes.txt"], [(f"{here}/notes.txt", f"{texts[0]}\n\n{texts[1]}\n")]),
        "tree": (["--input", "docs", "--text-field", "body", "--id-field", "key"],
                 [("docs/a.txt", texts[2]), ("k1", texts[3]), ("docs/sub/b.jsonl:2", texts[0])]),
        "glob": (["--input", "docs/**/*.jsonl", "--text-field", "body"],
                 [("docs/sub/b.jsonl:1", texts[3]), ("docs/sub/b.jsonl:2", texts[0])]),
    }
    for name, (args, expected) in runs.items():
        code, err = run_main(capsys, "--model", tiny_run, "--output", f"{name}.jsonl", *args)
        assert code == 0, (name, err)
        records = read_output(Path(f"{name}.jsonl"))
        assert [(r["id"], r["text"]) for r in records] == expected, name
        for record in records:
            offset = record["text"].index(texts[1]) if name == "whole" else 0
            shifted = [(s - offset, e - offset, label) for s, e, label in spans_of(record) if s >= offset]
            assert shifted == GOLD[record["text"][offset:].rstrip("\n")], name
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{texts[1]}\n{texts[2]}".encode())))
    code, err = run_main(capsys, "--model", tiny_run, "--input", "-", "--lines", "--output", "stdin.jsonl")
    assert code == 0 and [(r["id"], spans_of(r)) for r in read_output(Path("stdin.jsonl"))] == [
        ("stdin:1", GOLD[texts[1]]), ("stdin:2", GOLD[texts[2]])]


def test_jsonl_on_stdin_in_a_real_process(tiny_run: Path, tmp_path: Path) -> None:
    lines = "".join(json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) + "\n"
                    for i, (t, _) in enumerate(SENTENCES))
    result = subprocess.run(
        [sys.executable, "predict.py", "--model", str(tiny_run), "--input", "-",
         "--output", str(tmp_path / "o.jsonl"), "--threads", "1"],
        input=lines.encode(), cwd=ROOT, capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    records = read_output(tmp_path / "o.jsonl")
    assert [(r["id"], spans_of(r)) for r in records] == [(f"n{i}", GOLD[t]) for i, (t, _) in enumerate(SENTENCES)]


def test_malformed_lines_are_reported_and_the_run_goes_on(tiny_run: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": SENTENCES[0][0]}, ensure_ascii=False) + "\n"
        '{"id": "b", "text": "قتل\n'
        + json.dumps({"id": "c", "txt": "x"}) + "\n"
        + json.dumps({"id": "d", "text": SENTENCES[1][0]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", tmp_path / "out.jsonl")
    assert code == 1
    assert "read 4 documents: 2 written" in err and "2 failed (see " in err and "out.errors.jsonl" in err
    assert [r["id"] for r in read_output(tmp_path / "out.jsonl")] == ["a", "d"]
    errors = read_output(tmp_path / "out.errors.jsonl")
    name = source.as_posix()
    assert [(e["where"], e["id"]) for e in errors] == [(f"{name}:2", None), (f"{name}:3", "c")]
    assert "unreadable JSON" in errors[0]["error"] and "no 'text' field (keys: id, txt)" in errors[1]["error"]


def test_a_lone_surrogate_costs_its_document_only_also_on_resume(tiny_run: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    cut = '"\\ud83d"'  # JSON for a lone high surrogate, as scraped text cut by JavaScript holds
    source.write_text(
        json.dumps({"id": "a", "text": SENTENCES[0][0]}, ensure_ascii=False) + "\n"
        + '{"id": "b' + cut[1:-1] + '", "text": "قتل 3"}\n'
        + '{"id": "c", "text": "قتل 3", "source": ' + cut + '}\n'
        + json.dumps({"id": "d", "text": SENTENCES[1][0]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    for flags in ((), ("--resume",)):
        code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", out, *flags)
        assert code == 1, err
        assert [r["id"] for r in read_output(out)] == ["a", "d"]
    errors = read_output(tmp_path / "out.errors.jsonl")
    assert [e["id"] for e in errors] == ["b\\ud83d", "c"]
    assert "field 'id' holds a lone UTF-16 surrogate" in errors[0]["error"]
    assert "field 'source' holds a lone UTF-16 surrogate" in errors[1]["error"]


@pytest.mark.parametrize("changes, message", [
    ({"--input": "missing.jsonl"}, "missing.jsonl: no such file or directory"),
    ({"--dtype": "fp16", "--device": "cpu"}, "dtype 'fp16' runs on CUDA only"),
    ({"--model": "nowhere"}, "nowhere/arner.json: not an arner model directory"),
    ({"--resume": None, "--overwrite": None}, "resume and overwrite exclude each other"),
    ({"--output": "."}, ".: is a directory"),
])
def test_bad_arguments_stop_before_any_work(tiny_run, tmp_path, monkeypatch, capsys, changes, message) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(Path("in.jsonl"), [{"id": "a", "text": "قتل 4"}])
    options = {"--model": str(tiny_run), "--input": "in.jsonl", "--output": "out.jsonl", **changes}
    args = [x for flag, value in options.items() for x in (flag, value) if x is not None]
    code, err = run_main(capsys, *args)
    assert code == 2 and message in err and not Path("out.jsonl").exists()


def test_an_existing_output_needs_resume_or_overwrite(tiny_run: Path, tmp_path: Path, capsys) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SENTENCES[0][0]}])
    out = tmp_path / "out.jsonl"
    assert run_main(capsys, "--model", tiny_run, "--input", source, "--output", out)[0] == 0
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", out)
    assert code == 2 and "exists; pass --resume" in err
    assert run_main(capsys, "--model", tiny_run, "--input", source, "--output", out, "--overwrite")[0] == 0
    assert len(read_output(out)) == 1


def test_an_output_that_is_also_an_input_is_refused_and_the_input_kept(tiny_run: Path, tmp_path: Path,
                                                                        capsys) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SENTENCES[0][0]}])
    before = source.read_bytes()
    code, err = run_main(capsys, "--model", tiny_run, "--input", tmp_path, "--output", source, "--overwrite")
    assert code == 2 and "is also an input" in err
    assert source.read_bytes() == before


def test_killed_run_resumes_with_every_document_exactly_once(tiny_run: Path, tmp_path: Path, capsys) -> None:
    texts = [t for t, _ in SENTENCES]
    total = 3000
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": f"k{i}", "text": texts[i % 4]} for i in range(total)])
    out = tmp_path / "out.jsonl"
    args = ["--model", str(tiny_run), "--input", str(source), "--output", str(out), "--chunk-size", "20"]
    process = subprocess.Popen([sys.executable, "predict.py", *args, "--threads", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 40:
            break
        time.sleep(0.01)
    process.kill()  # SIGKILL: no handler, no flush, no cleanup
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    written = out.read_bytes()
    assert 40 <= written.count(b"\n") < total  # killed mid-run
    if written.endswith(b"\n"):  # a chunk is one write, so the kill usually falls between: cut a line ourselves
        out.write_bytes(written + b'{"id": "k99999", "text": "\xd9\x82')
    code, err = run_main(capsys, *args, "--resume")
    assert code == 0, err
    assert "dropped a cut-off last line" in err and "already in the output (--resume)" in err
    records = read_output(out)
    assert sorted(r["id"] for r in records) == sorted(f"k{i}" for i in range(total))
    assert all(spans_of(r) == GOLD[r["text"]] for r in records)


def test_ids_of_files_do_not_depend_on_how_the_folder_was_spelled(tiny_run: Path, tmp_path: Path, monkeypatch,
                                                                  capsys) -> None:
    monkeypatch.chdir(tmp_path)
    Path("txts").mkdir()
    for i, (text, _) in enumerate(SENTENCES[:2]):
        Path(f"txts/n{i}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_main(capsys, "--model", tiny_run, "--input", "txts", "--output", out)[0] == 0
    for spelling in (str(tmp_path / "txts"), "./txts/", "txts/*.txt", "txts/n0.txt"):
        code, err = run_main(capsys, "--model", tiny_run, "--input", spelling, "--output", out, "--resume")
        assert code == 0 and "0 written" in err and "already in the output (--resume)" in err, (spelling, err)
    assert [r["id"] for r in read_output(out)] == ["txts/n0.txt", "txts/n1.txt"]


@pytest.mark.parametrize("output", ["txts/out.jsonl", "txts/sub/out.jsonl", "link/out.jsonl", "out.txt"])
def test_an_output_the_next_run_would_read_as_input_is_refused(tiny_run, tmp_path, monkeypatch, capsys,
                                                               output) -> None:
    monkeypatch.chdir(tmp_path)
    Path("txts/sub").mkdir(parents=True)
    Path("txts/a.txt").write_text("قتل 4 في حلب", encoding="utf-8")
    Path("link").symlink_to(tmp_path / "txts")
    spec = "*.txt" if output == "out.txt" else "txts"
    if spec == "*.txt":
        Path("b.txt").write_text("قتل 5 في حمص", encoding="utf-8")
    code, err = run_main(capsys, "--model", tiny_run, "--input", spec, "--output", output)
    assert code == 2 and "so a later run would read it as input" in err and len(err.strip().splitlines()) == 1
    assert not Path(output).exists()


def test_every_line_names_its_model_and_resume_refuses_another(tiny_run: Path, tmp_path: Path, capsys) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SENTENCES[0][0], "arner_model": "old"}])
    out = tmp_path / "out.jsonl"
    assert run_main(capsys, "--model", tiny_run, "--input", source, "--output", out)[0] == 0
    (record,) = read_output(out)
    stamp = record["arner_model"]
    assert stamp.startswith(f"{tiny_run.name}@sha256:") and len(stamp.split(":")[1]) == 16
    other = tmp_path / "other_run"
    shutil.copytree(tiny_run, other)
    weights = load_file(other / "model.safetensors")
    name = next(iter(weights))
    weights[name] = weights[name] + 1
    save_file(weights, other / "model.safetensors", metadata={"format": "pt"})
    write_jsonl(source, [{"id": "a", "text": SENTENCES[0][0]}, {"id": "b", "text": SENTENCES[1][0]}])
    code, err = run_main(capsys, "--model", other, "--input", source, "--output", out, "--resume")
    assert code == 2 and f"predicted by {stamp}, not by other_run@sha256:" in err
    assert read_output(out) == [record]


@pytest.mark.parametrize("damage, message", [
    (lambda run: (run / "model.safetensors").write_bytes((run / "model.safetensors").read_bytes()[:5000]),
     "model.safetensors: corrupt or truncated weights"),
    (lambda run: (run / "model.safetensors").unlink(), "no model weights (model.safetensors or pytorch_model.bin)"),
    (lambda run: (run / "arner.json").write_text("{لا", encoding="utf-8"),
     "arner.json: unreadable model settings (JSONDecodeError"),
    (lambda run: (run / "arner.json").write_text('{"labelz": []}', encoding="utf-8"),
     "arner.json: unreadable model settings (TypeError"),
    (lambda run: (run / "config.json").unlink(), "config.json: missing or unreadable model config"),
    (lambda run: (run / "tokenizer.json").write_text("{", encoding="utf-8"), "cannot load the tokenizer"),
])
def test_a_broken_model_folder_is_one_line_naming_the_file(tiny_run, tmp_path, capsys, damage, message) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_run, broken)
    damage(broken)
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "قتل 4"}])
    code, err = run_main(capsys, "--model", broken, "--input", source, "--output", tmp_path / "out.jsonl")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and not (tmp_path / "out.jsonl").exists()


def test_a_full_disk_stops_with_one_line_and_resume_completes(tiny_run, tmp_path, monkeypatch, capsys) -> None:
    import arner.predict_output as predict_output

    texts = [t for t, _ in SENTENCES]
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": f"f{i}", "text": texts[i % 4]} for i in range(12)])
    out = tmp_path / "out.jsonl"
    args = ["--model", tiny_run, "--input", source, "--output", out, "--chunk-size", "4"]
    real_write, calls = predict_output._write_all, []

    def filling_up(handle, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) == 2:  # the second chunk: half of it lands, then the disk is full
            handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(handle, data)

    monkeypatch.setattr(predict_output, "_write_all", filling_up)
    code, err = run_main(capsys, *args)
    assert code == 2 and err.count("error:") == 1 and err.strip().splitlines()[-1].startswith("error:"), err
    assert f"{out}: cannot write: No space left on device" in err and "Traceback" not in err
    assert [r["id"] for r in read_output(out)] == ["f0", "f1", "f2", "f3"]  # nothing half-written left
    monkeypatch.setattr(predict_output, "_write_all", real_write)
    code, err = run_main(capsys, *args, "--resume")
    assert code == 0 and "4 already in the output" in err, err
    records = read_output(out)
    assert [r["id"] for r in records] == [f"f{i}" for i in range(12)]
    assert all(spans_of(r) == GOLD[r["text"]] for r in records)


# ---------------------------------------------------------------- precision, shards and merge


def test_dtype_auto_resolves_as_documented_and_is_recorded(tiny_run: Path, tmp_path: Path, capsys) -> None:
    from arner.predict import cpu_has_bf16

    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SENTENCES[0][0]}])
    expected = "bf16" if cpu_has_bf16() else "float32"  # no CUDA in this test: --device cpu
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", tmp_path / "o.jsonl",
                         "--device", "cpu")
    assert code == 0 and f"predicting in {expected} on cpu (--dtype auto)" in err, err
    (record,) = read_output(tmp_path / "o.jsonl")
    assert record["arner_dtype"] == expected and spans_of(record) == GOLD[SENTENCES[0][0]]
    other = "float32" if expected == "bf16" else "bf16"
    if other == "bf16" and not cpu_has_bf16():
        return
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", tmp_path / "o.jsonl",
                         "--device", "cpu", "--dtype", other, "--resume")
    assert code == 2 and f"predicted in {expected}, not {other}; pass --dtype {expected}" in err


def shard_inputs(directory: Path) -> Path:
    """Documents, a bad line and a repeated id, so positions and errors are exercised."""
    texts = [t for t, _ in SENTENCES]
    records = [json.dumps({"id": f"m{i}", "text": texts[i % 4]}, ensure_ascii=False) for i in range(9)]
    records[4] = '{"id": "broken", "text": "قتل'
    records[7] = json.dumps({"id": "m1", "text": texts[0]}, ensure_ascii=False)  # repeats m1, in another shard
    path = directory / "in.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def test_shards_merged_give_the_lines_of_one_process_also_after_a_kill(tiny_run: Path, tmp_path: Path,
                                                                       capsys) -> None:
    source = shard_inputs(tmp_path)
    whole, merged = tmp_path / "whole.jsonl", tmp_path / "merged.jsonl"
    common = ["--model", tiny_run, "--input", source, "--chunk-size", "2"]
    assert run_main(capsys, *common, "--output", whole)[0] == 1  # the bad line and the repeat
    for k, failed in ((0, 0), (1, 1)):  # shard 1 holds the bad line and the repeat
        code, err = run_main(capsys, *common, "--output", merged, "--shard", f"{k}/3")
        assert code == failed and f"written to {tmp_path / f'merged.part-{k}-of-3.jsonl'}" in err, err
    code, err = run_main(capsys, "--merge", "3", "--input", source, "--output", merged)
    assert code == 2 and "merged.part-2-of-3.jsonl: missing; run shard 2/3" in err and not merged.exists()
    assert run_main(capsys, *common, "--output", merged, "--shard", "2/3")[0] == 0
    # shard 1 killed mid-run: its marker gone, its last line cut in half
    part = tmp_path / "merged.part-1-of-3.jsonl"
    (tmp_path / "merged.part-1-of-3.done.json").unlink()
    part.write_bytes(part.read_bytes()[:-40])
    code, err = run_main(capsys, "--merge", "3", "--input", source, "--output", merged)
    assert code == 2 and "shard 1/3 has not finished; run it again with --resume" in err
    assert len(err.strip().splitlines()) == 1 and not merged.exists()
    code, err = run_main(capsys, *common, "--output", merged, "--shard", "1/3", "--resume")
    assert code == 1 and "dropped a cut-off last line" in err, err  # its bad line and repeat again
    code, err = run_main(capsys, "--merge", "3", "--input", source, "--output", merged)
    assert code == 1 and "merged 3 parts into" in err and "7 documents, 2 failed" in err, err
    assert merged.read_bytes() == whole.read_bytes()
    errors = read_output(tmp_path / "merged.errors.jsonl")
    assert sorted(map(json.dumps, errors)) == sorted(map(json.dumps, read_output(tmp_path / "whole.errors.jsonl")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "merged.errors.jsonl", "merged.jsonl",
                                                         "whole.errors.jsonl", "whole.jsonl"]


@pytest.mark.parametrize("shard, message", [("2/2", "K must be 0 to N-1"), ("1-2", "give K/N")])
def test_a_bad_shard_is_refused_before_any_work(tiny_run, tmp_path, capsys, shard, message) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "قتل 4"}])
    code, err = run_main(capsys, "--model", tiny_run, "--input", source, "--output", tmp_path / "o.jsonl",
                         "--shard", shard)
    assert code == 2 and message in err and list(tmp_path.iterdir()) == [source]


def accelerate_launch(args: list[str], **kwargs) -> subprocess.Popen:
    import socket

    with socket.socket() as probe:  # a free port for the processes to meet on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    launcher = Path(sys.executable).with_name("accelerate")
    # --multi_gpu is accelerate's torchrun launcher; on a CPU-only machine the processes join
    # through gloo. (--cpu would start a single process unless given an MPI host file.)
    command = [str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(port),
               "predict.py", *map(str, args), "--threads", "1"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, start_new_session=True, **kwargs)


@pytest.mark.slow
def test_accelerate_launch_two_processes_equals_one_also_after_a_kill(tiny_run: Path, tmp_path: Path,
                                                                       capsys) -> None:
    texts = [t for t, _ in SENTENCES]
    total = 600
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": f"a{i}", "text": texts[i % 4]} for i in range(total)])
    whole, merged = tmp_path / "whole.jsonl", tmp_path / "merged.jsonl"
    common = ["--model", tiny_run, "--input", source, "--chunk-size", "10", "--device", "cpu"]
    assert run_main(capsys, *common, "--output", whole)[0] == 0
    launch = accelerate_launch([*common, "--output", merged])
    part = tmp_path / "merged.part-1-of-2.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and launch.poll() is None:
        if part.exists() and part.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.05)
    os.kill(worker(launch.pid, rank=1), signal.SIGKILL)  # the launcher then stops the other one
    launch.communicate(timeout=120)
    assert launch.returncode != 0
    assert not merged.exists() and 20 <= part.read_bytes().count(b"\n") < total // 2
    relaunch = accelerate_launch([*common, "--output", merged, "--resume"])
    log = relaunch.communicate(timeout=600)[0].decode(errors="replace")
    assert relaunch.returncode == 0, log[-3000:]
    assert "merged 2 parts into" in log and "already in the output (--resume)" in log
    assert merged.read_bytes() == whole.read_bytes()
    assert not part.exists()


def worker(launcher: int, rank: int) -> int:
    """The pid of the predict.py process of ``rank`` that ``accelerate launch`` started."""
    import psutil

    for _ in range(600):
        for child in psutil.Process(launcher).children(recursive=True):
            try:
                if "predict.py" in child.cmdline() and child.environ().get("LOCAL_RANK") == str(rank):
                    return child.pid
            except psutil.Error:
                continue
        time.sleep(0.1)
    raise AssertionError(f"no worker of rank {rank}")

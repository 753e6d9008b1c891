"""Training: the tiny config through the real CLI, overfitting, save/load, resume, DDP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from arner.align import bio_labels
from arner.encoders.tiny import build_tiny_model
from arner.predict import PreprocessSettings, Predictor, pad_batch
from arner.training import epoch_batches

from support import ROOT

SENTENCES = [
    ("قتل 12 من عناصر وحزب الله في دير الزور", [("12", "CASUALTY"), ("حزب الله", "MILITIA"), ("دير الزور", "PLACE")]),
    ("انتشرت الميليشيات الموالية لإيران في البوكمال", [("الميليشيات الموالية لإيران", "MILITIA"), ("البوكمال", "PLACE")]),
    ("وقتل 4 من لواء \"فاطميون\" بمدينة الميادين", [("4", "CASUALTY"), ('لواء "فاطميون"', "MILITIA"), ("الميادين", "PLACE")]),
]


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_tiny_model_overfits_and_survives_save_and_load(tmp_path: Path, doc_from_marks) -> None:
    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    labels = bio_labels()
    torch.manual_seed(0)
    model, tokenizer = build_tiny_model([d.text for d in docs], labels, seed=0)
    settings = PreprocessSettings(labels, True, ["حزب", "لواء"], "none", 64, 16)
    predictor = Predictor(model, tokenizer, settings, device="cpu")
    windows = predictor.windows(docs)
    ids, mask, gold = pad_batch(windows, tokenizer.pad_token_id, with_labels=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(150):
        loss = model(input_ids=ids, attention_mask=mask, labels=gold).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    predicted = predictor.predict(docs)
    assert [p.spans for p in predicted] == [d.spans for d in docs]  # includes حزب الله after و
    # the predictor's path equals a direct forward pass, row for row
    with torch.inference_mode():
        direct = model.eval()(input_ids=ids, attention_mask=mask).logits.argmax(-1)
    for row, window in enumerate(windows):
        keep = [i for i, label in enumerate(window.labels) if label >= 0]
        assert direct[row, keep].tolist() == [window.labels[i] for i in keep]
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    settings.save(tmp_path)
    reloaded = Predictor.from_dir(tmp_path, device="cpu").predict(docs)
    assert [p.spans for p in reloaded] == [p.spans for p in predicted]


def test_epoch_batches_cover_every_window_on_every_process() -> None:
    shards = [epoch_batches(11, 2, seed=3, epoch=2, rank=r, world=3) for r in range(3)]
    assert len({len(s) for s in shards}) == 1
    assert {i for s in shards for b in s for i in b} == set(range(11))


def test_tiny_config_end_to_end_through_the_cli(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = run_cli("train.py", "configs/tiny.yaml", f"train.output_dir={run_dir}",
                     f"data.output_dir={tmp_path / 'data'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "gold spans exact under this tokenization" in result.stdout
    assert "| eval | micro |" in result.stdout or "| test | micro |" in result.stdout
    for name in ("config.json", "model.safetensors", "tokenizer.json", "arner.json", "config.yaml",
                 "metrics.json", "train_log.jsonl", "loss.png", "README.md"):
        assert (run_dir / name).exists(), name
    # models trained now take coordinated names apart (arner.coordination), keeping the
    # listed places that hold a glued و whole (data/gazetteers: سيستان وبلوشستان)
    settings = json.loads((run_dir / "arner.json").read_text(encoding="utf-8"))
    assert settings["split_coordination"] is True and "سيستان وبلوشستان" in settings["joined_names"]
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["test"]["per_label"]) == {"MILITIA", "PLACE", "CASUALTY"}
    # the gazetteer lookup floor beside the model, on the same documents
    assert metrics["eval"]["floor"]["micro"]["support"] == metrics["eval"]["micro"]["support"]
    assert metrics["eval"]["model_minus_floor"]["delta"] == pytest.approx(
        metrics["eval"]["micro"]["f1"] - metrics["eval"]["floor"]["micro"]["f1"], abs=1e-9)
    assert "| eval | micro, gazetteer lookup |" in result.stdout
    assert "## Lookup floor" in (run_dir / "reports" / "eval" / "report.md").read_text(encoding="utf-8")
    # recall on names the training split never held, beside the names it did
    novelty = metrics["eval"]["novelty"]
    assert novelty["seen"]["support"] + novelty["unseen"]["support"] == metrics["eval"]["micro"]["support"]
    from transformers import pipeline

    tagger = pipeline("token-classification", model=str(run_dir), device="cpu")
    assert isinstance(tagger("قتل 4 من عناصر حزب الله في حلب"), list)
    # trained with eager attention on this CPU (model.attention: auto); the saved model keeps the default
    assert Predictor.from_dir(run_dir, device="cpu").model.config._attn_implementation == "sdpa"
    # same config and seed: same metrics on CPU
    again = run_cli("train.py", "configs/tiny.yaml", f"train.output_dir={tmp_path / 'run2'}",
                    f"data.output_dir={tmp_path / 'data2'}")
    assert again.returncode == 0
    assert json.loads((tmp_path / "run2" / "metrics.json").read_text(encoding="utf-8")) == metrics


def test_resume_continues_from_the_last_checkpoint(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    common = ["train.py", "configs/tiny.yaml", f"train.output_dir={run_dir}", f"data.output_dir={tmp_path / 'd'}"]
    assert run_cli(*common, "train.epochs=1").returncode == 0
    resumed = run_cli(*common, "train.epochs=2", "train.resume=true")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed from" in resumed.stdout and "epoch 2:" in resumed.stdout and "epoch 1:" not in resumed.stdout
    state = json.loads((run_dir / "checkpoint" / "trainer_state.json").read_text(encoding="utf-8"))
    assert [h["epoch"] for h in state["history"]] == [1, 2]


def test_bad_config_and_unloadable_model_fail_with_a_message() -> None:
    typo = run_cli("train.py", "configs/tiny.yaml", "train.epochz=2")
    assert typo.returncode == 2 and "train.epochz: unknown key (did you mean 'epochs'?)" in typo.stderr
    missing = run_cli("train.py", "configs/tiny.yaml", "model.name=/nonexistent/model", "model.local_files_only=true")
    assert missing.returncode == 2
    assert "could not load model '/nonexistent/model'" in missing.stderr and "model.name=offline-e5" in missing.stderr
    threads = run_cli("train.py", "configs/tiny.yaml", "train.threads=100000")
    assert threads.returncode == 2 and "train.threads: at most this machine's" in threads.stderr


def test_max_length_beyond_the_encoders_positions_stops_before_training(tmp_path: Path) -> None:
    result = run_cli("train.py", "configs/tiny.yaml", "model.max_length=100000", f"train.output_dir={tmp_path}/run",
                     f"data.output_dir={tmp_path}/data")
    assert result.returncode == 2 and "model.max_length=100000 exceeds the" in result.stderr
    assert not (tmp_path / "run" / "model.safetensors").exists()


@pytest.mark.slow
def test_accelerate_launch_two_cpu_processes(tmp_path: Path) -> None:
    run_dir = tmp_path / "ddp"
    result = subprocess.run(
        [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", "2",
         "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
         "train.py", "configs/tiny.yaml", f"train.output_dir={run_dir}", f"data.output_dir={tmp_path / 'd'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (run_dir / "model.safetensors").exists() and (run_dir / "metrics.json").exists()
    assert result.stdout.count("epoch 1:") == 1  # only the main process prints


def test_model_name_can_be_a_local_directory(tmp_path: Path) -> None:
    from arner.encoders.sources import load_token_classifier

    labels = bio_labels()
    model, tokenizer = build_tiny_model([t for t, _ in SENTENCES], labels, seed=0)
    model.save_pretrained(tmp_path / "local")
    tokenizer.save_pretrained(tmp_path / "local")
    loaded, loaded_tokenizer = load_token_classifier(str(tmp_path / "local"), labels, local_files_only=True)
    assert loaded.config.id2label[1] == labels[1] and loaded_tokenizer.is_fast
    assert torch.equal(loaded.bert.embeddings.word_embeddings.weight, model.bert.embeddings.word_embeddings.weight)


def test_mixed_precision_auto_is_bf16_only_where_it_runs_natively(monkeypatch) -> None:
    from arner import training

    monkeypatch.setattr(training, "auto_dtype", lambda device: "bf16")
    assert training.resolve_mixed_precision("auto") == "bf16"
    monkeypatch.setattr(training, "auto_dtype", lambda device: "float32")
    assert training.resolve_mixed_precision("auto") == "no"
    assert training.resolve_mixed_precision("bf16") == "bf16"  # an explicit choice stays


def test_the_fused_optimizer_makes_the_same_update_as_the_per_tensor_loop(doc_from_marks) -> None:
    from types import SimpleNamespace

    from arner.training import _optimizer

    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    tc = SimpleNamespace(learning_rate=1e-3, head_learning_rate=1e-2, weight_decay=0.01, batch_size=2,
                         gradient_accumulation_steps=1, epochs=1, warmup_fraction=0.0)
    # eval(): no dropout, so both models see the same gradients; float64, so that the two
    # kernels' different summation orders stay far below the tolerance
    models = [build_tiny_model([d.text for d in docs], bio_labels(), seed=0)[0].eval().double() for _ in range(2)]
    fused, _ = _optimizer(models[0], tc, n_windows=4, processes=1)
    # the same groups and options over the twin model's parameters, stepped by the per-tensor
    # loop (a group's own "fused" would override the constructor's, so each group says it)
    twin = {id(a): b for a, b in zip(models[0].parameters(), models[1].parameters())}
    loop = torch.optim.AdamW([{**g, "params": [twin[id(p)] for p in g["params"]], "fused": False, "foreach": False}
                              for g in fused.param_groups])
    assert all(g["fused"] for g in fused.param_groups)
    assert not any(g["fused"] or g["foreach"] for g in loop.param_groups)
    ids = torch.tensor([[2, 5, 7, 9, 3]])
    for model, optimizer in zip(models, (fused, loop)):
        for _ in range(3):
            model(input_ids=ids, labels=torch.tensor([[0, 1, 2, 0, 0]])).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert not torch.equal(models[0].classifier.weight, build_tiny_model(
        [d.text for d in docs], bio_labels(), seed=0)[0].double().classifier.weight)  # the steps moved the weights


@pytest.mark.parametrize("dropout", [None, 0.0, 0.3])
def test_model_dropout_sets_every_dropout_of_the_encoder_and_its_saved_config(dropout, doc_from_marks) -> None:
    from arner.config import load_config
    from arner.training import load_model

    config = load_config(ROOT / "configs" / "tiny.yaml", [] if dropout is None else [f"model.dropout={dropout}"])
    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    model, _, _ = load_model(config, docs)
    own = build_tiny_model([d.text for d in docs], bio_labels(), seed=0)[0]
    rates = {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)}
    assert rates == ({m.p for m in own.modules() if isinstance(m, torch.nn.Dropout)} if dropout is None else {dropout})
    expected = own.config.hidden_dropout_prob if dropout is None else dropout
    assert model.config.hidden_dropout_prob == expected
    assert model.config.attention_probs_dropout_prob == (own.config.attention_probs_dropout_prob
                                                         if dropout is None else dropout)
    ids = torch.tensor([[2, 5, 7, 9, 3, 4, 6, 8]])
    model.train()
    same = torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)
    assert same == (dropout == 0.0)  # training-mode forwards differ only while dropout is on


@pytest.mark.parametrize("overrides", [["model.attention_dropout=0.0"],
                                       ["model.dropout=0.3", "model.attention_dropout=0.0"]])
def test_attention_dropout_sets_only_the_attention_probabilities_dropout(overrides, doc_from_marks) -> None:
    from arner.config import load_config
    from arner.training import load_model

    config = load_config(ROOT / "configs" / "tiny.yaml", overrides)
    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    model, _, _ = load_model(config, docs)
    hidden = config.model.dropout if config.model.dropout is not None else \
        build_tiny_model([d.text for d in docs], bio_labels(), seed=0)[0].config.hidden_dropout_prob
    rates = {name: m.p for name, m in model.named_modules() if isinstance(m, torch.nn.Dropout)}
    attention = {name for name in rates if name.endswith("attention.self.dropout")}
    assert attention and all(rates[name] == 0.0 for name in attention)
    assert {rates[name] for name in rates if name not in attention} == {hidden} and hidden > 0
    assert model.config.attention_probs_dropout_prob == 0.0
    assert model.config.hidden_dropout_prob == hidden
    ids = torch.tensor([[2, 5, 7, 9, 3, 4, 6, 8]])
    model.train()
    assert not torch.equal(model(input_ids=ids).logits, model(input_ids=ids).logits)  # hidden dropout still on


def test_attention_dropout_on_a_model_without_one_is_refused(monkeypatch, doc_from_marks) -> None:
    from arner.config import load_config
    from arner.encoders.sources import ModelLoadError
    from arner import training

    config = load_config(ROOT / "configs" / "tiny.yaml", ["model.attention_dropout=0.0"])
    monkeypatch.setattr(training, "ATTENTION_KEY_PROJECTIONS", ("no_such_projection",))
    with pytest.raises(ModelLoadError, match=r"model.attention_dropout: .* has no attention dropout"):
        training.load_model(config, [doc_from_marks("s0", *SENTENCES[0])])


@pytest.mark.parametrize("setting, expected", [("auto", "eager"), ("sdpa", "sdpa"), ("eager", "eager")])
def test_training_attention_is_eager_on_a_cpu_unless_told_and_computes_the_same(setting, expected,
                                                                                 doc_from_marks) -> None:
    from arner.config import load_config
    from arner.training import load_model

    config = load_config(ROOT / "configs" / "tiny.yaml", [f"model.attention={setting}"])
    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    model, _, _ = load_model(config, docs)
    assert model.config._attn_implementation == expected
    model.eval()
    ids, mask = torch.tensor([[2, 5, 7, 9, 3, 4, 0, 0]]), torch.tensor([[1, 1, 1, 1, 1, 1, 0, 0]])
    ours = model(input_ids=ids, attention_mask=mask).logits
    model.set_attn_implementation("sdpa" if expected == "eager" else "eager")
    torch.testing.assert_close(model(input_ids=ids, attention_mask=mask).logits[:, :6], ours[:, :6])


@pytest.mark.parametrize("freeze", [False, True])
def test_frozen_word_embeddings_stay_as_loaded_and_out_of_the_optimizer(freeze, doc_from_marks) -> None:
    from arner.config import load_config
    from arner.training import _optimizer, load_model

    config = load_config(ROOT / "configs" / "tiny.yaml", [f"model.freeze_word_embeddings={str(freeze).lower()}"])
    docs = [doc_from_marks(f"s{i}", t, m) for i, (t, m) in enumerate(SENTENCES)]
    model, _, _ = load_model(config, docs)
    embeddings = model.get_input_embeddings().weight
    before = embeddings.detach().clone()
    optimizer, _ = _optimizer(model, config.train, n_windows=4, processes=1)
    optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert (id(embeddings) in optimized) == (not freeze)
    model.train()
    model(input_ids=torch.tensor([[2, 5, 7, 9, 3]]), labels=torch.tensor([[0, 1, 2, 0, 0]])).loss.backward()
    optimizer.step()
    assert torch.equal(embeddings, before) == freeze
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)  # the rest still learns


@pytest.mark.parametrize("key", ["dropout", "attention_dropout"])
def test_model_dropout_outside_zero_to_one_is_refused(key) -> None:
    from arner.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=rf"model.{key}: must be in \[0, 1\) or null, got 1.0"):
        load_config(ROOT / "configs" / "tiny.yaml", [f"model.{key}=1.0"])

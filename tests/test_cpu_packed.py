"""oneDNN-prepacked linears: the same numbers as ``nn.Linear`` up to rounding, and only on
models that serve predictions alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from arner.cpu_packed import PackedLinear, pack_linears, packing_works
from arner.predict import Predictor, cpu_has_bf16

from tiny_model import gold_sentences

needs_float32_packing = pytest.mark.skipif(not packing_works(torch.float32),
                                           reason="this torch build has no oneDNN float32 linear")


def products(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``linear(x)`` and ``gelu(linear(x))`` by torch, then by :class:`PackedLinear`, as float32."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 128).to(dtype)
    x = torch.randn(2, 5, 64).to(dtype)
    with torch.inference_mode():
        plain, fused = PackedLinear(linear)(x), PackedLinear(linear, "gelu")(x)
        expected = linear(x)
        expected_gelu = torch.nn.functional.gelu(expected)
    assert plain.shape == fused.shape == (2, 5, 128)
    assert plain.dtype == fused.dtype == dtype
    return expected.float(), plain.float(), expected_gelu.float(), fused.float()


@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no native bf16")
def test_packed_linear_with_fused_gelu_matches_torch_within_bf16_rounding() -> None:
    expected, plain, expected_gelu, fused = products(torch.bfloat16)
    assert torch.allclose(plain, expected, atol=0.05, rtol=0.02)
    assert torch.allclose(fused, expected_gelu, atol=0.05, rtol=0.02)


@needs_float32_packing
def test_packed_linear_with_fused_gelu_matches_torch_within_float32_rounding() -> None:
    expected, plain, expected_gelu, fused = products(torch.float32)
    assert torch.allclose(plain, expected, atol=1e-5, rtol=1e-5)
    assert torch.allclose(fused, expected_gelu, atol=1e-5, rtol=1e-5)
    assert not torch.equal(fused, plain)  # the GELU was applied, not dropped


def test_packing_fuses_the_feed_forward_gelu(tiny_run: Path) -> None:
    predictor = Predictor.from_dir(tiny_run, device="cpu")
    model = predictor.model
    if not packing_works(torch.float32):
        assert any(isinstance(m, torch.nn.Linear) for m in model.modules())
        return
    assert not any(isinstance(m, torch.nn.Linear) for m in model.modules())
    layer = model.base_model.encoder.layer[0]
    assert layer.intermediate.dense.activation == "gelu"
    assert isinstance(layer.intermediate.intermediate_act_fn, torch.nn.Identity)
    assert layer.output.dense.activation == "none"


@needs_float32_packing
def test_packed_float32_predictor_keeps_spans_and_scores(tiny_run: Path) -> None:
    gold = gold_sentences()
    packed = Predictor.from_dir(tiny_run, device="cpu").predict(gold)
    plain = Predictor.from_dir(tiny_run, device="cpu", inference_only=False).predict(gold)
    assert [d.spans for d in packed] == [g.spans for g in gold]
    scores = [[s.extra["score"] for d in docs for s in d.spans] for docs in (packed, plain)]
    assert scores[0] == pytest.approx(scores[1], abs=2e-4)  # written to 4 decimals


def test_a_model_in_training_keeps_its_linears(tiny_run: Path) -> None:
    """Training builds a Predictor around the model it trains: packing that model would
    leave it nothing to train."""
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(tiny_run)
    trained = Predictor.from_dir(tiny_run, device="cpu")
    Predictor(model, trained.tokenizer, trained.settings, device="cpu")
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(m.weight.requires_grad for m in linears)


@needs_float32_packing
def test_pack_linears_leaves_other_modules_alone() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.LayerNorm(4))
    pack_linears(model)
    assert [type(m).__name__ for m in model] == ["PackedLinear", "ReLU", "LayerNorm"]
    with torch.inference_mode():
        assert model(torch.ones(2, 4)).shape == (2, 4)

"""Inference on CPU through oneDNN's prepacked linear kernels, in float32 and bf16.

A layer's matrix products are most of its time, and the steps around them
weigh: ``nn.Linear`` reorders its weight into oneDNN's blocked layout on every
call in bf16, goes through the BLAS library torch was built with in float32
(Intel's MKL, which runs a slow path on AMD processors), adds its bias as a
separate pass, and the feed-forward GELU reads and writes the widest
activation of the layer a second time. :func:`pack_linears` reorders each
weight once and folds bias and the exact (erf) GELU into the product, as
oneDNN post-ops. The results equal ``nn.Linear``'s up to rounding (the sums are
taken in another order); only a model that serves predictions alone is packed:
the packed model has no trainable linears left.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn


class PackedLinear(nn.Module):
    """An inference-only ``nn.Linear`` with its weight in oneDNN's blocked layout,
    optionally followed by exact GELU inside the same kernel (``activation="gelu"``)."""

    def __init__(self, linear: nn.Linear, activation: str = "none"):
        super().__init__()
        self.packed_weight = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach())
        self.bias = None if linear.bias is None else linear.bias.detach()
        self.activation = activation
        self.out_features = linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1])
        # "none" selects the erf GELU (torch's default); "" is the attribute-less call
        algorithm = "none" if self.activation == "gelu" else ""
        out = torch.ops.mkldnn._linear_pointwise(flat, self.packed_weight, self.bias, self.activation, [], algorithm)
        return out.reshape(*x.shape[:-1], self.out_features)


@lru_cache(maxsize=None)
def packing_works(dtype: torch.dtype) -> bool:
    """Whether this torch build runs :class:`PackedLinear` at ``dtype`` on this CPU and
    matches ``nn.Linear`` (the ops are private: a build may lack them or refuse a dtype)."""
    if not torch.backends.mkldnn.is_available():
        return False
    generator = torch.Generator().manual_seed(0)
    linear = nn.Linear(16, 8).to(dtype)
    x = torch.randn(3, 16, generator=generator).to(dtype)
    try:
        with torch.inference_mode():
            return torch.allclose(PackedLinear(linear)(x).float(), linear(x).float(), atol=0.05, rtol=0.02)
    except (RuntimeError, AttributeError):
        return False


def pack_linears(model: nn.Module) -> nn.Module:
    """``model`` (float32 or bf16, on CPU, for inference only) with every ``nn.Linear`` replaced
    by a :class:`PackedLinear`, in place; a BERT-style feed-forward (``dense`` then an exact-GELU
    ``intermediate_act_fn``: BERT, RoBERTa, XLM-R, ELECTRA) becomes one fused call."""
    from transformers.activations import GELUActivation

    for module in list(model.modules()):
        act = getattr(module, "intermediate_act_fn", None)
        if (isinstance(getattr(module, "dense", None), nn.Linear) and isinstance(act, GELUActivation)
                and act.act is nn.functional.gelu):
            module.dense = PackedLinear(module.dense, "gelu")
            module.intermediate_act_fn = nn.Identity()
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Linear):
                setattr(module, name, PackedLinear(child))
    return model

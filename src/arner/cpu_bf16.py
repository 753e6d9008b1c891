"""bf16 inference on CPU through oneDNN's prepacked linear kernels.

In bf16 on a CPU with AMX, a layer's matrix products are fast enough that the
steps around them weigh: ``nn.Linear`` reorders its weight into oneDNN's
blocked layout on every call, and the feed-forward GELU reads and writes the
widest activation of the layer a second time. :func:`pack_linears` reorders
each weight once and folds the exact (erf) GELU into the product that feeds
it, as oneDNN post-op. Only the bf16 path uses it: float32 predictions keep
torch's own kernels, bit for bit.
"""

from __future__ import annotations

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


def pack_linears(model: nn.Module) -> nn.Module:
    """``model`` (bf16, on CPU, for inference only) with every ``nn.Linear`` replaced by a
    :class:`PackedLinear`, in place; a BERT-style feed-forward (``dense`` then an exact-GELU
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

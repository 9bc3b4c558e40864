"""Metric-learning losses of pytorch-metric-learning as terms of the objective.

Why: FGCrossNet's quadruplet loss looks at one hinge per anchor and trains in stage 2 only.
The P x K batches (P classes, K items of every media each) hold, for each item, positives
in every media and negatives of look-alike classes; losses that weigh all of these pairs at
once are the ones that work best in the metric-learning benchmarks (Musgrave et al. 2020,
"A Metric Learning Reality Check"). They act on the common representation (the logits,
every media concatenated), so positives across media pull the media together, and they
train in both stages.

- `supcon`: supervised contrastive (Khosla et al. 2020), cosine similarities at a temperature;
- `proxy_anchor`: Proxy-Anchor (Kim et al. 2020), one learnable proxy per class, margin 0.1
  and alpha 32 (the paper's), the proxies at 100x the network's rate (the paper's practice);
- `multi_similarity`: Multi-Similarity (Wang et al. 2019), alpha 2, beta 50, base 0.5 (the
  paper's).

The library computes each loss (no hand copies); this module only builds them and wires
their learnable parts into the optimiser and the checkpoint.
"""

from __future__ import annotations

from typing import Any

import torch
from pytorch_metric_learning import losses
from torch import nn

METRIC_TERMS = ("supcon", "proxy_anchor", "multi_similarity")
PROXY_LR_SCALE = 100.0


def build_metric_loss(name: str, num_classes: int, dim: int, temperature: float) -> nn.Module:
    """The pytorch-metric-learning loss `name` for embeddings of width `dim`."""
    if name == "supcon":
        return losses.SupConLoss(temperature=temperature)
    if name == "proxy_anchor":
        return losses.ProxyAnchorLoss(num_classes, dim, margin=0.1, alpha=32)
    if name == "multi_similarity":
        return losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)
    raise ValueError(f"unknown metric-learning term {name!r}: expected one of {METRIC_TERMS}")


class MetricLearningTerm(nn.Module):
    """One pytorch-metric-learning loss on the common representation (every media's logits)."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, inp: Any) -> torch.Tensor:  # an fgcross.losses.objective.ObjectiveInput
        return self.loss(inp.every, inp.every_labels)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """Proxy-Anchor's proxies at PROXY_LR_SCALE x the rate, without weight decay; nothing for the others."""
        params = list(self.loss.parameters())
        return [{"params": params, "lr": lr * PROXY_LR_SCALE, "weight_decay": 0.0}] if params else []

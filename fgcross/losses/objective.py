"""The training objective: a weighted sum of named terms, each a module built from the `loss` params.

Every term maps one `ObjectiveInput` (a step's model outputs and labels) to a scalar.
`Objective` computes its terms in a fixed order (ce, center, ranking, triplet, cca,
adversarial, method, then pytorch-metric-learning's supcon, proxy_anchor, multi_similarity:
fgcross.losses.metric_learning), multiplies each by its weight and sums them in that same
order: the order fixes the floating-point sums and the autograd graph, so a run is reproducible bit for bit.
A term whose weight is 0 is not built, so it costs nothing. A stage may leave terms out
(the ranking term trains in stage 2 only): `forward` takes the names to skip.

The objective owns the learnable parts of its terms (the class centres, the modality
classifier, Proxy-Anchor's proxies), so their optimiser groups and their checkpoint state come from it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from fgcross.losses.adversarial import ModalityClassifier, adversarial_loss
from fgcross.losses.center import CenterLoss
from fgcross.losses.metric_learning import METRIC_TERMS, MetricLearningTerm, build_metric_loss
from fgcross.losses.quadruplet import quadruplet_loss
from fgcross.losses.tnn_c_cca import cluster_cca_loss, cross_media_triplet_loss
from fgcross.params import LossParams

TOTAL = "total"
"""The key of the weighted sum in what `Objective.forward` returns (no term has this name)."""


@dataclass(frozen=True)
class ObjectiveInput:
    """A step's model outputs and labels, per media and concatenated over the media in batch order.

    The center, ranking, triplet and CCA terms act on the concatenated logits (the common
    representation); the modality adversary on the pooled features, present only when a term
    needs them (`Objective.needs_features`)."""

    logits: dict[str, torch.Tensor]  # media -> [n, classes], float32
    labels: dict[str, torch.Tensor]  # media -> [n]
    every: torch.Tensor  # every media's logits, concatenated
    every_labels: torch.Tensor
    every_media: torch.Tensor  # each row's media code
    pooled: torch.Tensor | None = None  # every media's pooled features, concatenated
    aux: dict[str, dict[str, torch.Tensor]] | None = None  # a method head's arrays per media (fgcross.models.method)

    @classmethod
    def build(cls, logits: Mapping[str, torch.Tensor], labels: dict[str, torch.Tensor], codes: Mapping[str, int],
              pooled: Mapping[str, torch.Tensor] | None = None,
              aux: dict[str, dict[str, torch.Tensor]] | None = None) -> ObjectiveInput:
        """From the network's outputs (any precision: the losses are computed in float32)."""
        media = list(labels)
        every_pooled = torch.cat([pooled[m].float() for m in media]) if pooled is not None else None
        out = {m: v.float() for m, v in logits.items()}
        return cls(out, labels, torch.cat([out[m] for m in media]), torch.cat([labels[m] for m in media]),
                   torch.cat([torch.full_like(labels[m], codes[m]) for m in media]), every_pooled, aux)


class CrossEntropyTerm(nn.Module):
    """Cross-entropy of each media's logits, summed over the media (the classification loss)."""

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return sum(F.cross_entropy(inp.logits[m], inp.labels[m]) for m in inp.labels)


class CenterTerm(nn.Module):
    """The center loss on the common representation; its centres learn `lr_scale` times faster."""

    def __init__(self, centers: CenterLoss, lr_scale: float) -> None:
        super().__init__()
        self.centers, self.lr_scale = centers, lr_scale

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return self.centers(inp.every, inp.every_labels)

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """The centres at the scaled rate, without weight decay (it would pull them to the origin)."""
        return [{"params": self.centers.parameters(), "lr": lr * self.lr_scale, "weight_decay": 0.0}]


class RankingTerm(nn.Module):
    """The quadruplet ranking loss on the common representation."""

    def __init__(self, margin1: float, margin2: float, form: str) -> None:
        super().__init__()
        self.margin1, self.margin2, self.form = margin1, margin2, form

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return quadruplet_loss(inp.every, inp.every_labels, self.margin1, self.margin2, self.form)


class TripletTerm(nn.Module):
    """TNN-C-CCA's cross-media triplet loss."""

    def __init__(self, margin: float) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return cross_media_triplet_loss(inp.every, inp.every_labels, inp.every_media, self.margin)


class ClusterCCATerm(nn.Module):
    """TNN-C-CCA's cluster-CCA correlation loss."""

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return cluster_cca_loss(inp.every, inp.every_labels, inp.every_media)


class AdversarialTerm(nn.Module):
    """ACMR's modality classifier, through a gradient-reversal layer, on the pooled features.

    `accuracy` holds the classifier's accuracy on the last batch: the history logs it, and
    it should fall toward chance (1 / media) as the network learns to hide the media."""

    needs_features = True

    def __init__(self, classifier: ModalityClassifier) -> None:
        super().__init__()
        self.classifier = classifier
        self.accuracy: torch.Tensor | None = None

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        if inp.pooled is None:
            raise ValueError("the adversarial term needs the pooled features (ObjectiveInput.pooled)")
        loss, self.accuracy = adversarial_loss(self.classifier, inp.pooled, inp.every_media)
        return loss

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """The classifier at the network's rate and weight decay."""
        return [{"params": self.classifier.parameters(), "lr": lr, "weight_decay": weight_decay}]


class MethodTerm(nn.Module):
    """The loss of model.method's head (MCSM: per-space and fused; CRAN: three-level alignment),
    on the head's arrays. The head belongs to the network (its parameters train and are saved
    with it), so the term keeps the head's loss function, not the head as a submodule."""

    needs_aux = True

    def __init__(self, loss: Callable[[dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor]], torch.Tensor]
                 ) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        if inp.aux is None:
            raise ValueError("the method term needs the method head's arrays (ObjectiveInput.aux)")
        return self.loss(inp.aux, inp.labels)


class Objective(nn.Module):
    """Weighted sum of named terms, computed and summed in the order of `terms`.

    `learnable` names the modules whose state a checkpoint keeps, by checkpoint key
    ("centers", "modality"). The class centres are kept even when the center term is not
    built: the trained model file always holds them."""

    def __init__(self, terms: dict[str, tuple[float, nn.Module]],
                 learnable: dict[str, nn.Module] | None = None) -> None:
        super().__init__()
        if TOTAL in terms:
            raise ValueError(f"{TOTAL!r} is the weighted sum's key, not a term name")
        self.learnable = nn.ModuleDict(learnable or {})  # registered first: parameters() lists these first
        self.weights = {name: weight for name, (weight, _) in terms.items()}
        self.term_modules = nn.ModuleDict({name: term for name, (_, term) in terms.items()})
        self.computed: tuple[str, ...] = ()  # the terms of the last forward

    @property
    def terms(self) -> dict[str, tuple[float, nn.Module]]:
        return {name: (self.weights[name], term) for name, term in self.term_modules.items()}

    @property
    def needs_features(self) -> bool:
        """Whether a term needs the network's pooled features, not only its logits."""
        return any(getattr(term, "needs_features", False) for term in self.term_modules.values())

    @property
    def needs_aux(self) -> bool:
        """Whether a term needs the method head's arrays (the network's `return_aux`)."""
        return any(getattr(term, "needs_aux", False) for term in self.term_modules.values())

    def forward(self, inp: ObjectiveInput, skip: Collection[str] = ()) -> dict[str, torch.Tensor]:
        """{name: weight x term} for every term not in `skip`, and their sum under TOTAL."""
        parts = {name: w * term(inp) for name, (w, term) in self.terms.items() if name not in skip}
        self.computed = tuple(parts)
        return {**parts, TOTAL: sum(parts.values())}

    def param_groups(self, lr: float, weight_decay: float) -> list[dict[str, Any]]:
        """Optimiser groups for the terms' learnable parts, in term order (the centres, then the
        modality classifier); the network's group is the caller's."""
        groups = []
        for term in self.term_modules.values():
            if hasattr(term, "param_groups"):
                groups.extend(term.param_groups(lr, weight_decay))
        return groups

    def checkpoint_state(self) -> dict[str, dict[str, torch.Tensor]]:
        """The learnable parts' state dicts, by checkpoint key."""
        return {key: module.state_dict() for key, module in self.learnable.items()}

    def load_checkpoint_state(self, state: Mapping[str, Any]) -> None:
        """Restore what `checkpoint_state` saved (other keys of `state` are ignored)."""
        for key, module in self.learnable.items():
            module.load_state_dict(state[key])

    def accuracy(self, name: str) -> torch.Tensor | None:
        """The accuracy of the term `name` on the last forward's batch, if it has one and ran."""
        return getattr(self.term_modules[name], "accuracy", None) if name in self.computed else None


def build_objective(loss: LossParams, num_classes: int, pooled_width: int, num_media: int,
                    centers: CenterLoss | None = None,
                    method_loss: Callable[[dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor]],
                                          torch.Tensor] | None = None) -> Objective:
    """The objective of the `loss` params: its terms in the order ce, center, ranking, triplet,
    cca, adversarial, method, supcon, proxy_anchor, multi_similarity; a term whose weight is not positive
    is not built, nor the method term without a `method_loss` (the head's loss of a model.method other
    than fgcrossnet).

    `centers` are the class centres to train (made here when not given): the pipeline draws
    them right after the network, so that the random initialisation is the same as ever,
    and saves them in the model file. The modality classifier is drawn here, when its weight
    is positive."""
    centers = centers if centers is not None else CenterLoss(num_classes, num_classes, loss.center_init_std)
    # the cross-entropy is unweighted: 1.0 x ce is exact, in its value and its gradient
    terms: dict[str, tuple[float, nn.Module]] = {"ce": (1.0, CrossEntropyTerm())}
    learnable: dict[str, nn.Module] = {"centers": centers}
    if loss.center_weight > 0:
        terms["center"] = (loss.center_weight, CenterTerm(centers, loss.center_lr_scale))
    if loss.ranking_weight > 0:
        terms["ranking"] = (loss.ranking_weight, RankingTerm(loss.margin1, loss.margin2, loss.ranking_form))
    if loss.triplet_weight > 0:
        terms["triplet"] = (loss.triplet_weight, TripletTerm(loss.triplet_margin))
    if loss.cca_weight > 0:
        terms["cca"] = (loss.cca_weight, ClusterCCATerm())
    if loss.adversarial_weight > 0:
        learnable["modality"] = ModalityClassifier(pooled_width, num_media)
        terms["adversarial"] = (loss.adversarial_weight, AdversarialTerm(learnable["modality"]))
    if loss.method_weight > 0 and method_loss is not None:
        terms["method"] = (loss.method_weight, MethodTerm(method_loss))
    for name in METRIC_TERMS:  # pytorch-metric-learning's losses (issue 20)
        weight = getattr(loss, f"{name}_weight")
        if weight > 0:
            term = MetricLearningTerm(build_metric_loss(name, num_classes, num_classes, loss.supcon_temperature))
            terms[name] = (weight, term)
            if name == "proxy_anchor":
                learnable["proxies"] = term.loss
    return Objective(terms, learnable)

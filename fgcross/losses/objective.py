"""The training objective: a weighted sum of named terms, each a module built from the `loss` params.

Every term maps one `ObjectiveInput` (a step's model outputs and labels) to a scalar.
`Objective` computes its terms in a fixed order (ce, center, ranking, triplet, cca,
adversarial, method, then pytorch-metric-learning's supcon, proxy_anchor, multi_similarity
(fgcross.losses.metric_learning), then CCL's and CM-GANs' reconstruction, correlation, pairwise,
gan), multiplies each by its weight and sums them in that same order: the order fixes the
floating-point sums and the autograd graph, so a run is reproducible bit for bit.
A term whose weight is 0 is not built, so it costs nothing. A stage may leave terms out
(the ranking term trains in stage 2 only): `forward` takes the names to skip, and a term
may name the stages it trains in (`stages`: CCL's stage-1 and stage-2 terms).

A term with discriminators (CM-GANs) keeps them out of the network's optimiser: the loop
trains them in a step of their own, alternating with the network's
(`discriminator_loss`, `discriminator_parameters`).

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

from fgcross.errors import ParamsError
from fgcross.losses.adversarial import ModalityClassifier, adversarial_loss
from fgcross.losses.ccl import correlation_loss, pairwise_loss, reconstruction_loss
from fgcross.losses.center import CenterLoss
from fgcross.losses.cm_gans import Discriminators, discriminator_loss, generator_loss
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
    aux: Mapping[str, Mapping[str, torch.Tensor]] | None = None  # media -> what a method's terms need

    @classmethod
    def build(cls, logits: Mapping[str, torch.Tensor], labels: dict[str, torch.Tensor], codes: Mapping[str, int],
              pooled: Mapping[str, torch.Tensor] | None = None,
              aux: Mapping[str, Mapping[str, torch.Tensor]] | None = None) -> ObjectiveInput:
        """From the network's outputs (any precision: the losses are computed in float32)."""
        media = list(labels)
        every_pooled = torch.cat([pooled[m].float() for m in media]) if pooled is not None else None
        out = {m: v.float() for m, v in logits.items()}
        extra = {m: {k: v.float() for k, v in aux[m].items()} for m in media} if aux is not None else None
        return cls(out, labels, torch.cat([out[m] for m in media]), torch.cat([labels[m] for m in media]),
                   torch.cat([torch.full_like(labels[m], codes[m]) for m in media]), every_pooled, extra)

    def need_aux(self, term: str) -> Mapping[str, Mapping[str, torch.Tensor]]:
        """`aux`, or an error naming the term that needs it (a method's term on another network)."""
        if self.aux is None:
            raise ValueError(f"the {term} term needs the network's auxiliary outputs (ObjectiveInput.aux)")
        return self.aux


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
        return self.loss(inp.need_aux("method"), inp.labels)


class ReconstructionTerm(nn.Module):
    """The autoencoders' reconstruction of each media's features: CCL's intra-modality term (stage 1),
    CM-GANs' generator reconstruction (both stages)."""

    needs_aux = True

    def __init__(self, stages: frozenset[str] | None) -> None:
        super().__init__()
        self.stages = stages

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return reconstruction_loss(inp.need_aux("reconstruction"))


class CorrelationTerm(nn.Module):
    """CCL's inter-modality correlation of the stage-1 codes (stage 1)."""

    needs_aux = True
    stages = frozenset({"stage1"})

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        aux = inp.need_aux("correlation")
        return correlation_loss({m: a["code"] for m, a in aux.items()}, inp.labels)


class PairwiseTerm(nn.Module):
    """CCL's pairwise similarity constraint on the common representation (stage 2)."""

    needs_features = True
    stages = frozenset({"stage2"})

    def __init__(self, margin: float) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        if inp.pooled is None:
            raise ValueError("the pairwise term needs the common representation (ObjectiveInput.pooled)")
        return pairwise_loss(inp.pooled, inp.every_labels, inp.every_media, self.margin)


class GanTerm(nn.Module):
    """CM-GANs' generator side against its discriminators, which train in a step of their own."""

    needs_aux = True

    def __init__(self, discriminators: Discriminators) -> None:
        super().__init__()
        self.discriminators = discriminators

    def forward(self, inp: ObjectiveInput) -> torch.Tensor:
        return generator_loss(self.discriminators, inp.need_aux("gan"))

    def discriminator_loss(self, inp: ObjectiveInput) -> torch.Tensor:
        """The discriminators' loss on the step's outputs, detached (the generator stays fixed)."""
        return discriminator_loss(self.discriminators, inp.need_aux("gan"))


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
        """Whether a term needs the network's `return_aux` outputs (a method head's arrays; CCL's and
        CM-GANs' codes and reconstructions)."""
        return any(getattr(term, "needs_aux", False) for term in self.term_modules.values())

    def outside(self, stage: str) -> frozenset[str]:
        """The terms that name the stages they train in, and `stage` is not one of them."""
        return frozenset(name for name, term in self.term_modules.items()
                         if getattr(term, "stages", None) is not None and stage not in term.stages)

    def discriminator_parameters(self) -> list[nn.Parameter]:
        """The parameters of the terms' discriminators, trained apart from the network (empty without)."""
        return [p for term in self.term_modules.values() if hasattr(term, "discriminator_loss")
                for p in term.discriminators.parameters()]

    def discriminator_loss(self, inp: ObjectiveInput) -> torch.Tensor:
        """The sum of the terms' discriminator losses (unweighted: a term's weight scales its generator side)."""
        return sum(term.discriminator_loss(inp) for term in self.term_modules.values()
                   if hasattr(term, "discriminator_loss"))

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


METHOD_TERMS = {"reconstruction_weight": ("ccl", "cm_gans"), "correlation_weight": ("ccl",),
                "pairwise_weight": ("ccl",), "gan_weight": ("cm_gans",)}
"""The loss weights that only a method's network can feed (its auxiliary outputs), by method."""


def check_method_terms(loss: LossParams, method: str) -> None:
    """A method's loss weight set for another method's network is one error naming the key."""
    for key, methods in METHOD_TERMS.items():
        if getattr(loss, key) > 0 and method not in methods:
            raise ParamsError(f"loss.{key} is for model.method {' or '.join(methods)}, not {method} "
                              f"(set it to 0, or use presets/{methods[0]}.yaml)")


def build_objective(loss: LossParams, num_classes: int, pooled_width: int, num_media: int,
                    centers: CenterLoss | None = None, method: str = "fgcrossnet",
                    feature_width: int | None = None, media: list[str] | None = None,
                    method_loss: Callable[[dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor]],
                                          torch.Tensor] | None = None) -> Objective:
    """The objective of the `loss` params: its terms in the order ce, center, ranking, triplet,
    cca, adversarial, method, supcon, proxy_anchor, multi_similarity, reconstruction, correlation,
    pairwise, gan; a term whose weight is
    not positive is not built, nor the method term without a `method_loss` (the head's loss of
    model.method mcsm or cran). `method` is model.method (FGCrossNet when not given); CM-GANs'
    discriminators need the backbone's `feature_width` and the `media` (in code order).

    `centers` are the class centres to train (made here when not given): the pipeline draws
    them right after the network, so that the random initialisation is the same as ever,
    and saves them in the model file. The modality classifier is drawn here, when its weight
    is positive."""
    check_method_terms(loss, method)
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
    for name in METRIC_TERMS:  # pytorch-metric-learning's losses
        weight = getattr(loss, f"{name}_weight")
        if weight > 0:
            term = MetricLearningTerm(build_metric_loss(name, num_classes, num_classes, loss.supcon_temperature))
            terms[name] = (weight, term)
            if name == "proxy_anchor":
                learnable["proxies"] = term.loss
    if loss.reconstruction_weight > 0:  # CCL: stage 1 only; CM-GANs: the generator's, in every stage
        stages = frozenset({"stage1"}) if method == "ccl" else None
        terms["reconstruction"] = (loss.reconstruction_weight, ReconstructionTerm(stages))
    if loss.correlation_weight > 0:
        terms["correlation"] = (loss.correlation_weight, CorrelationTerm())
    if loss.pairwise_weight > 0:
        terms["pairwise"] = (loss.pairwise_weight, PairwiseTerm(loss.pairwise_margin))
    if loss.gan_weight > 0:
        if feature_width is None or media is None:
            raise ValueError("the gan term needs the backbone's feature_width and the media")
        learnable["discriminators"] = Discriminators(media, feature_width, pooled_width)
        terms["gan"] = (loss.gan_weight, GanTerm(learnable["discriminators"]))
    return Objective(terms, learnable)

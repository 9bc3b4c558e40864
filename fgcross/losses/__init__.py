"""The training losses, one concept per module (after pytorch-metric-learning).

- `distances`: pairwise Euclidean distances.
- `center`, `quadruplet`: FGCrossNet's center loss and quadruplet ranking loss.
- `adversarial`: gradient reversal and the modality classifier (ACMR, a related method).
- `tnn_c_cca`: the cross-media triplet and cluster-CCA losses (TNN-C-CCA, a related method).
- `cross_media`: an alignment loss over any pairwise similarity (MCSM, CRAN).
- `objective`: the weighted, named terms that training minimises, built from the `loss` params.

The cross-entropy is torch's.
"""

from fgcross.losses.adversarial import ModalityClassifier, adversarial_loss, reverse_gradient
from fgcross.losses.center import CenterLoss, center_loss
from fgcross.losses.cross_media import cross_media_nce
from fgcross.losses.distances import pairwise_distances
from fgcross.losses.objective import TOTAL, Objective, ObjectiveInput, build_objective
from fgcross.losses.quadruplet import quadruplet_loss
from fgcross.losses.tnn_c_cca import cluster_cca_loss, cross_media_triplet_loss

__all__ = [
    "TOTAL",
    "CenterLoss",
    "ModalityClassifier",
    "Objective",
    "ObjectiveInput",
    "adversarial_loss",
    "build_objective",
    "center_loss",
    "cluster_cca_loss",
    "cross_media_nce",
    "cross_media_triplet_loss",
    "pairwise_distances",
    "quadruplet_loss",
    "reverse_gradient",
]

"""The networks, built by small factories from the `model` params: FGCrossNet (one CNN shared by
all media) and the baselines CCL and CM-GANs (`factory` picks by model.method); checkpoints,
and reading a trained model folder (saved)."""

from fgcross.models.factory import METHODS, build_network
from fgcross.models.fgcrossnet import FGCrossNet, build_model

__all__ = ["METHODS", "FGCrossNet", "build_model", "build_network"]

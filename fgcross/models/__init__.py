"""FGCrossNet: one CNN shared by all media, built by small factories from the `model` params;
the methods built on its parts (MCSM, CRAN) and the baselines on its shared CNN (CCL, CM-GANs),
all picked by `model.method` in fgcross.models.factory; checkpoints, and reading a trained
model folder (saved)."""

from fgcross.models.factory import METHODS, build_model
from fgcross.models.fgcrossnet import FGCrossNet

__all__ = ["METHODS", "FGCrossNet", "build_model"]

"""FGCrossNet: one CNN shared by all media, built by small factories from the `model` params;
checkpoints, and reading a trained model folder (saved)."""

from fgcross.models.fgcrossnet import FGCrossNet, build_model

__all__ = ["FGCrossNet", "build_model"]

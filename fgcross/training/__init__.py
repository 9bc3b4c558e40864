"""Training FGCrossNet: the two-stage schedule and resuming. What it writes is read back
without this package: fgcross.models.checkpoint and fgcross.models.saved."""

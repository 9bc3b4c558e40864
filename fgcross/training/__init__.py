"""Training FGCrossNet: the two-stage schedule, checkpoints and resuming."""

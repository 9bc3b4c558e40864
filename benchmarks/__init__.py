"""Benchmarks: speed and memory against named baselines measured in the same run, printed as ratios."""

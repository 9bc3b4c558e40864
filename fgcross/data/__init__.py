"""Datasets: the embedded generator, the PKU FG-XMedia layout reader, prepared arrays."""

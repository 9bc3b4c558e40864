"""Datasets: the embedded generator, the PKU FG-XMedia layout reader, the store of prepared media."""

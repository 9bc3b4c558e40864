"""fgcross: fine-grained cross-media retrieval (FGCrossNet) as a reproducible pipeline.

The library is importable on its own; `steps/` holds the thin command lines that the
Snakemake and DVC pipelines call.
"""

__version__ = "0.1.0"

from fgcross.media.kinds import KINDS

MEDIA: tuple[str, ...] = tuple(KINDS)
"""The four media of PKU FG-XMedia, in the order used everywhere (tables, keys, batches); each
one's facts are its descriptor, fgcross.media.kinds.KINDS."""

MEDIA_LETTER: dict[str, str] = {name: kind.letter for name, kind in KINDS.items()}
"""One-letter codes used in metric keys such as `i2t` or `v2all`."""

"""fgcross: fine-grained cross-media retrieval (FGCrossNet) as a reproducible pipeline.

The library is importable on its own; `steps/` holds the thin command lines that the
Snakemake and DVC pipelines call.
"""

__version__ = "0.1.0"

MEDIA: tuple[str, ...] = ("image", "text", "audio", "video")
"""The four media of PKU FG-XMedia, in the order used everywhere (tables, keys, batches)."""

MEDIA_LETTER: dict[str, str] = {"image": "i", "text": "t", "audio": "a", "video": "v"}
"""One-letter codes used in metric keys such as `i2t` or `v2all`."""

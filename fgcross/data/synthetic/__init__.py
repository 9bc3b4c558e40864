"""The embedded dataset: fine-grained bird species rendered as real JPEG, MP4, WAV and text.

Species come in families that share most traits; siblings differ in one visual and one
song trait (plus sometimes a second), so telling them apart is a fine-grained problem in
every media. See `traits` for the species model and `generate` for the writer.
"""

from fgcross.data.synthetic.generate import generate_dataset

__all__ = ["generate_dataset"]

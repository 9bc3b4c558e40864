"""Published mAPs on PKU FG-XMedia, each with the source it was transcribed from.

Nothing here is without a source that a reader can open:
- FGCrossNet: the official repository's README (its two results tables). Its
  multi-modality header is I->All, T->All, V->All, A->All, so 0.416 is V->All and 0.485
  A->All; its V->T is 0.195. (We could not read the paper's own table here.)
- DBFC-Net: the tables its authors published as
  screenshots in their repository, with the cosine metric and with their cosine+ metric
  (OpenReview amFo-qV7FF). ScreenShots/2.png reprints FGCrossNet's bi-modality row with
  the same numbers as the official README.
- GASA ("A Hybrid Approach for Fine-Grained Cross-Media Retrieval"), the best published result
  on PKU FG-XMedia we know of: the tables its authors put in their repository as one figure
  (fig/table.png: Table 1 bi-modality, all 12 directions; Table 2 multi-modality, headed
  I->All, T->All, V->All, A->All). An earlier version dropped its 0.463 / 0.499 as unsourced:
  this is their source.
- SAFGCMHN (the same laboratory): fig/table3.png (bi-modality) and fig/table2.png
  (multi-modality, the same header order as GASA's).
Both figures print FGCrossNet's rows with the official README's numbers.
`tests/test_published.py` holds every number to its source as transcribed.
"""

from __future__ import annotations

from dataclasses import dataclass

BI = ("i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a", "bi_avg")
METRIC_ORDER: tuple[str, ...] = (*BI, "i2all", "t2all", "a2all", "v2all", "multi_avg")


@dataclass(frozen=True)
class Source:
    repository: str
    commit: str
    files: tuple[str, ...]
    note: str

    def cite(self) -> str:
        return f"github {self.repository} @ {self.commit[:7]}: {', '.join(self.files)}"


@dataclass(frozen=True)
class Published:
    name: str
    metrics: dict[str, float]
    source: Source


OFFICIAL_README = Source(
    "PKU-ICST-MIPL/FGCrossNet_ACMMM2019", "26ee4dea7b4a5b0774f360e5dd9f030dcd6b1b2c", ("README.md",),
    "bi-modality table (I->T ... V->A, Average); multi-modality table headed I->All, T->All, V->All, A->All, Average")
DBFC_SCREENSHOTS = Source(
    "18205097282/DBFC-Net", "db996dcc70fd9bf11b23e9290e6a9c0f4f86ec48",
    ("ScreenShots/2.png", "ScreenShots/3.png", "ScreenShots/4.png"),
    "4.png: bi-modality, cosine+ and cosine similarity; 3.png: multi-modality (I, T, A, V ->ALL), cosine+ and "
    "cosine similarity; 2.png: DBFC-Net (cosine) beside FGCrossNet. Unchanged up to 5166ffe (the newest commit)")

GASA_FIGURE = Source(
    "NUST-Machine-Intelligence-Laboratory/GASA", "0e66894e63f980b60916803b3a25096bcb5cfa1f", ("fig/table.png",),
    "Table 1: bi-modality, the 'Ours' row; Table 2: multi-modality headed I->All, T->All, V->All, A->All, Average")
SAFGCMHN_FIGURES = Source(
    "NUST-Machine-Intelligence-Laboratory/SAFGCMHN", "03a792083dd3ad94626a721ae05d544bc218c1e1",
    ("fig/table3.png", "fig/table2.png"),
    "table3.png: bi-modality (Table 3), the 'Ours' row; table2.png: multi-modality (Table 2) headed I->All, T->All, "
    "V->All, A->All, Average")

FGCROSSNET: dict[str, float] = {
    "i2t": 0.210, "i2a": 0.526, "i2v": 0.606,
    "t2i": 0.255, "t2a": 0.181, "t2v": 0.208,
    "a2i": 0.553, "a2t": 0.159, "a2v": 0.443,
    "v2i": 0.629, "v2t": 0.195, "v2a": 0.437,
    "bi_avg": 0.366,
    "i2all": 0.549, "t2all": 0.196, "v2all": 0.416, "a2all": 0.485,
    "multi_avg": 0.412,
}

DBFC_NET_COSINE: dict[str, float] = {
    "i2t": 0.298, "i2a": 0.563, "i2v": 0.626,
    "t2i": 0.346, "t2a": 0.252, "t2v": 0.284,
    "a2i": 0.580, "a2t": 0.223, "a2v": 0.462,
    "v2i": 0.669, "v2t": 0.286, "v2a": 0.483,
    "bi_avg": 0.423,
    "i2all": 0.602, "t2all": 0.284, "a2all": 0.545, "v2all": 0.461,
    "multi_avg": 0.474,
}

DBFC_NET_COSINE_PLUS: dict[str, float] = {
    "i2t": 0.322, "i2a": 0.585, "i2v": 0.646,
    "t2i": 0.367, "t2a": 0.272, "t2v": 0.301,
    "a2i": 0.605, "a2t": 0.245, "a2v": 0.481,
    "v2i": 0.694, "v2t": 0.317, "v2a": 0.521,
    "bi_avg": 0.446,
    "i2all": 0.619, "t2all": 0.293, "a2all": 0.568, "v2all": 0.476,
    "multi_avg": 0.489,
}

GASA: dict[str, float] = {
    "i2t": 0.339, "i2a": 0.600, "i2v": 0.681,
    "t2i": 0.379, "t2a": 0.290, "t2v": 0.331,
    "a2i": 0.609, "a2t": 0.255, "a2v": 0.507,
    "v2i": 0.711, "v2t": 0.321, "v2a": 0.533,
    "bi_avg": 0.463,
    "i2all": 0.627, "t2all": 0.311, "v2all": 0.491, "a2all": 0.568,
    "multi_avg": 0.499,
}

SAFGCMHN: dict[str, float] = {
    "i2t": 0.293, "i2a": 0.625, "i2v": 0.636,
    "t2i": 0.335, "t2a": 0.263, "t2v": 0.272,
    "a2i": 0.629, "a2t": 0.231, "a2v": 0.495,
    "v2i": 0.677, "v2t": 0.270, "v2a": 0.525,
    "bi_avg": 0.437,
    "i2all": 0.618, "t2all": 0.270, "v2all": 0.546, "a2all": 0.497,
    "multi_avg": 0.482,
}

PUBLISHED: tuple[Published, ...] = (
    Published("FGCrossNet (official README)", FGCROSSNET, OFFICIAL_README),
    Published("DBFC-Net, cosine", DBFC_NET_COSINE, DBFC_SCREENSHOTS),
    Published("DBFC-Net, cosine+", DBFC_NET_COSINE_PLUS, DBFC_SCREENSHOTS),
    Published("SAFGCMHN", SAFGCMHN, SAFGCMHN_FIGURES),
    Published("GASA", GASA, GASA_FIGURE),
)
"""What the report pages and `steps.compare` put beside a run, in this order."""

"""Published mAPs on PKU FG-XMedia, for comparison tables.

FGCrossNet (He, Peng, Xie, ACM MM 2019): per-direction values transcribed from the paper's
results table; their means agree with the published averages (bi-modality 0.366,
multi-modality 0.412) to within 0.001 of rounding. The best later result is known to us only as its two averages.
"""

FGCROSSNET: dict[str, float] = {
    "i2t": 0.210, "i2a": 0.526, "i2v": 0.606,
    "t2i": 0.255, "t2a": 0.181, "t2v": 0.208,
    "a2i": 0.553, "a2t": 0.159, "a2v": 0.443,
    "v2i": 0.629, "v2t": 0.193, "v2a": 0.437,
    "bi_avg": 0.366,
    "i2all": 0.549, "t2all": 0.196, "a2all": 0.416, "v2all": 0.485,
    "multi_avg": 0.412,
}

BEST_LATER: dict[str, float] = {"bi_avg": 0.463, "multi_avg": 0.499}

METRIC_ORDER: tuple[str, ...] = (
    "i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a", "bi_avg",
    "i2all", "t2all", "a2all", "v2all", "multi_avg",
)

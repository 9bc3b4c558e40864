"""benchmarks.pku_rehearsal: the scaled PKU counts and the growth fit (the stages themselves run in the
benchmark, not here)."""

from benchmarks.pku_rehearsal import growth, items_of, scaled_params


def test_scaled_counts_keep_pku_classes_and_proportions():
    full, sixteenth = scaled_params(1.0), scaled_params(1 / 16)
    for params in (full, sixteenth):
        assert params["synthetic"]["families"] * params["synthetic"]["species_per_family"] == 200
        assert params["tracking"]["enabled"] is False
    assert items_of(full, "all") == 11788 + 8000 + 12000 + 18350
    assert items_of(full, "video") == 18350 and items_of(full, "train") == 5994 + 4000 + 6000 + 12666
    assert abs(items_of(sixteenth, "all") - items_of(full, "all") / 16) < 8


def test_growth_is_the_log_log_slope():
    rows = [{"fraction": f, "stage": "export", "items": 1000 * f, "seconds": 5.0 * f ** 1.5,
             "peak_rss_mb": 100.0} for f in (1 / 16, 1 / 8, 1 / 4)]
    rows += [{"fraction": f, "stage": "train", "items": 40, "seconds": 30.0, "peak_rss_mb": 100.0 * (1 + f)}
             for f in (1 / 16, 1 / 4)]
    fits = {g["stage"]: g for g in growth(rows)}
    assert fits["export"]["time_exponent"] == 1.5 and fits["export"]["rss_exponent"] == 0.0
    assert fits["train"]["time_exponent"] == 0.0 and fits["train"]["rss_largest_vs_smallest"] == round(1.25 / 1.0625, 2)

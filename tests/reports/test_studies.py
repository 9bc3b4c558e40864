"""A study's report section: the summary per variant, and the re-ranked averages where recorded."""

import pandas as pd
import pytest

from fgcross.reports import studies


def test_the_beyond_study_shows_reranked_averages_beside_plain_cosine(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(studies, "table", lambda frame, index=False: shown.append(frame))
    monkeypatch.setattr(studies, "figure", lambda fig: None)
    runs = pd.DataFrame([
        {"variant": "fgcrossnet", "seed": 0, "bi_avg": 0.5, "multi_avg": 0.6},
        {"variant": "beyond", "seed": 0, "bi_avg": 0.7, "multi_avg": 0.75, "reranked_bi_avg": 0.8,
         "reranked_multi_avg": 0.82},
        {"variant": "beyond", "seed": 1, "bi_avg": 0.9, "multi_avg": 0.85, "reranked_bi_avg": 0.9,
         "reranked_multi_avg": 0.9},
    ])
    runs.to_csv(tmp_path / "beyond.csv", index=False)
    studies.show_study(tmp_path / "beyond.csv", "beyond", "python -m steps.ablation --study beyond")
    summary, every = shown
    assert list(summary["variant"]) == ["beyond", "fgcrossnet"]  # the study's order
    row = summary.set_index("variant").loc["beyond"]
    assert row["bi_avg_mean"] == pytest.approx(0.8) and row["reranked_bi_avg_mean"] == pytest.approx(0.85)
    assert row["seeds"] == 2
    assert "reranked_multi_avg" in every

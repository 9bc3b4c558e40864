import numpy as np
import pytest

from fgcross.data.index_files import read_index
from fgcross.embeddings import Embeddings
from fgcross.published import FGCROSSNET
from fgcross.reports.examples import retrieval_examples
from fgcross.reports.items import ItemRenderer
from fgcross.reports.tables import (
    best_and_worst_classes,
    comparison_table,
    experiments_table,
    extended_table,
    map_matrix,
    per_class_summary,
)


def test_published_numbers_average_to_the_paper():
    bi = [FGCROSSNET[k] for k in ("i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a")]
    multi = [FGCROSSNET[k] for k in ("i2all", "t2all", "a2all", "v2all")]
    assert abs(float(np.mean(bi)) - FGCROSSNET["bi_avg"]) <= 0.001  # 0.3667 against the printed 0.366
    assert abs(float(np.mean(multi)) - FGCROSSNET["multi_avg"]) <= 0.001


def test_tables():
    metrics = {"i2t": 0.4, "t2i": 0.3, "bi_avg": 0.35, "i2all": 0.5, "t2all": 0.2, "multi_avg": 0.35}
    table = comparison_table(metrics)
    assert list(table.index) == ["i2t", "t2i", "bi_avg", "i2all", "t2all", "multi_avg"]
    assert table.loc["bi_avg", "DBFC-Net, cosine"] == 0.423 and table.loc["bi_avg", "DBFC-Net, cosine+"] == 0.446
    assert table.loc["bi_avg", "FGCrossNet (official README)"] == 0.366
    matrix = map_matrix(metrics)
    assert matrix.loc["image", "text"] == 0.4 and matrix.loc["text", "all"] == 0.2


def test_text_from_the_dataset_is_escaped(tmp_path, index_dir, media_dir):
    index = read_index(index_dir)
    text_id = index.items("text", "test")["id"][0]
    path = index.root / text_id
    original = path.read_text()
    try:
        path.write_text("<script>alert('x')</script> & <b>bold</b>")
        html = ItemRenderer(index, media_dir, "test").html("text", text_id)
    finally:
        path.write_text(original)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html


def test_retrieval_examples_mark_right_and_wrong(index_dir, media_dir):
    index = read_index(index_dir)
    renderer = ItemRenderer(index, media_dir, "test")
    emb = {}
    for m in ("image", "text"):
        items = index.items(m, "test")
        labels = items["label"].to_numpy()
        emb[m] = Embeddings(m, np.eye(4)[labels].astype(np.float32), labels, items["id"].to_numpy())
    html = retrieval_examples(emb, renderer, per_media=1, top_k=3)
    assert html.count('class="item query"') == 2
    assert html.count('class="item ok"') == 6  # perfect embeddings: every shown answer is right


def test_experiments_table_shows_differing_params(tmp_path, monkeypatch):
    from fgcross.tracking import pipeline_run, stage_run
    from tests.conftest import override, tiny_params

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    for weight, score in ((0.001, 0.4), (0.01, 0.5)):
        params = override(tiny_params(), {"loss": {"center_weight": weight}})
        with stage_run("train", params, log_all_params=True):
            pass
        with pipeline_run("evaluate", params) as tracker:
            tracker.log_metrics({"map.bi_avg": score, "map.multi_avg": score + 0.1})
    table = experiments_table(f"sqlite:///{tmp_path}/mlflow.db")
    assert list(table.columns) == ["dvc exp", "started", "loss.center_weight", "bi_avg", "multi_avg"]
    assert sorted(table["loss.center_weight"]) == ["0.001", "0.01"] and sorted(table["bi_avg"]) == [0.4, 0.5]
    assert experiments_table(f"sqlite:///{tmp_path}/mlflow.db", "other").empty


def test_extended_table_and_best_worst():
    import pandas as pd

    retrieval = {"i2t": {"map": 0.5, "p_at_1": 1.0}, "i2all": {"map": 0.6, "p_at_1": 1.0},
                 "i2all-self": {"map": 0.4, "p_at_1": 0.5}}
    assert list(extended_table(retrieval).index) == ["i2t", "i2all", "i2all-self"]
    per_class = pd.DataFrame({"direction": ["i2t"] * 3 + ["i2all"] * 3, "class": ["a", "b", "c"] * 2,
                              "ap": [0.9, 0.1, 0.5, 0.0, 0.0, 0.0]})
    assert list(best_and_worst_classes(per_class, n=1).index) == ["a", "b"]  # best, then worst
    assert list(best_and_worst_classes(per_class, n=2).index) == ["a", "c", "b"]  # few classes: all, sorted


def test_per_class_summary_separates_bi_and_multi_and_drops_self():
    import pandas as pd

    per_class = pd.DataFrame({"direction": ["i2t", "t2i", "i2all", "i2all-self"], "class": ["a"] * 4,
                              "ap": [0.2, 0.4, 0.9, 0.1]})
    summary = per_class_summary(per_class)
    assert list(summary.columns) == ["class", "bi_ap", "multi_ap"]
    assert summary.loc[0, "bi_ap"] == pytest.approx(0.3) and summary.loc[0, "multi_ap"] == pytest.approx(0.9)

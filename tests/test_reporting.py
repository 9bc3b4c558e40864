import numpy as np

from fgcross.data.index_files import read_index
from fgcross.embeddings import Embeddings
from fgcross.published import FGCROSSNET
from fgcross.reporting import ItemRenderer, comparison_table, map_matrix, retrieval_examples


def test_published_numbers_average_to_the_paper():
    bi = [FGCROSSNET[k] for k in ("i2t", "i2a", "i2v", "t2i", "t2a", "t2v", "a2i", "a2t", "a2v", "v2i", "v2t", "v2a")]
    multi = [FGCROSSNET[k] for k in ("i2all", "t2all", "a2all", "v2all")]
    assert abs(float(np.mean(bi)) - FGCROSSNET["bi_avg"]) <= 0.001  # 0.3667 against the printed 0.366
    assert abs(float(np.mean(multi)) - FGCROSSNET["multi_avg"]) <= 0.001


def test_tables():
    metrics = {"i2t": 0.4, "t2i": 0.3, "bi_avg": 0.35, "i2all": 0.5, "t2all": 0.2, "multi_avg": 0.35}
    table = comparison_table(metrics)
    assert list(table.index) == ["i2t", "t2i", "bi_avg", "i2all", "t2all", "multi_avg"]
    assert table.loc["bi_avg", "best later"] == 0.463
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

"""The failure views: confusions split by kinship, the worst queries, the embedding map's class
key, and plots whose labels do not overlap."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd

from fgcross.data.taxonomy import Taxonomy
from fgcross.embeddings import Embeddings
from fgcross.reports import embedding_map, failures
from fgcross.reports.dataset_view import plot_items_per_class
from fgcross.reports.display import overlapping_labels

NAMES = ["001.A_Gull", "002.B_Gull", "003.C_Tern", "004.D_Tern"]
TAX = Taxonomy(("gull", "gull", "tern", "tern"), ("", "", "", ""), "test")


def _emb(media, vectors, labels):
    return Embeddings(media, np.asarray(vectors, np.float32), np.asarray(labels),
                      np.array([f"{media}/{i}" for i in range(len(labels))]))


def _pair():
    """Image queries of class 0 sit on top of class 1's items; everything else is clean."""
    e = np.eye(4)
    image = _emb("image", [e[1], e[1], e[2], e[3]], [0, 1, 2, 3])
    text = _emb("text", [e[0], e[1], e[2], e[3]], [0, 1, 2, 3])
    return {"image": image, "text": text}


def test_confusions_count_the_wrong_results_by_class_pair():
    counts = failures.confusion_counts(_pair(), classes=4, k=1)
    image_counts, image_queries = counts["image"]
    # the image query of class 0 (vector e1) finds image 1 (e1) first: class 1 instead of 0; image 1's
    # query ties image 0 and text 1, and the tie goes to the earlier gallery item (image 0): 0 instead of 1
    assert image_counts[0, 1] == 1 and image_counts[1, 0] == 1 and image_counts.sum() == 2
    assert image_queries.tolist() == [1, 1, 1, 1] and counts["text"][0].sum() == counts["text"][0][1, 0] == 1
    ranked = failures.ranked_confusions(counts, 1, TAX, NAMES)
    # pooled over media: class 1 -> 0 twice in 2 queries' top 1, class 0 -> 1 once in 2
    assert ranked[["class", "retrieved instead", "share of top k", "results"]].values.tolist() == [
        ["002.B_Gull", "001.A_Gull", 1.0, 2], ["001.A_Gull", "002.B_Gull", 0.5, 1]]
    assert ranked["relation"].tolist() == ["close", "close"] and ranked.loc[1, "text"] == 0.0
    summary = failures.relation_summary(ranked)
    assert summary.loc["close", "share of wrong results"] > 0


def test_a_distant_confusion_is_called_distant():
    counts = {"image": (np.array([[0, 0, 3, 0], [0] * 4, [0] * 4, [0] * 4]), np.array([2, 2, 2, 2]))}
    ranked = failures.ranked_confusions(counts, 3, TAX, NAMES)
    assert ranked["relation"].tolist() == ["distant"] and ranked.loc[0, "share of top k"] == 0.5


def test_the_heat_maps_are_readable():
    counts = {"image": (np.array([[0, 4, 2, 0], [3, 0, 0, 1], [1, 0, 0, 5], [0, 2, 6, 0]]), np.full(4, 10))}
    fig = failures.plot_confusions(failures.ranked_confusions(counts, 10, TAX, NAMES))
    assert overlapping_labels(fig) == []


class _Renderer:
    class index:  # noqa: N801 (a stand-in for ItemRenderer.index)
        classes = NAMES

    def html(self, media, item_id, correct=None, query=False, score=None):
        mark = "query" if query else ("ok" if correct else "no")
        return f'<div class="item {mark}">{media}:{item_id}</div>'


def test_worst_queries_come_first_per_direction():
    page = failures.worst_queries(_pair(), _Renderer(), per_direction=1, top_k=2)
    assert "i2t: image queries, text results" in page and "t2i: text queries, image results" in page
    i2t = page.split("id='worst-i2t'")[1].split("<h3")[0]
    assert "image:image/0" in i2t  # class 0's image query has the lowest AP of i2t
    assert '<div class="item no">text:text/1</div>' in i2t


def test_the_map_key_never_repeats_a_colour():
    shown = list(range(30))
    colours = embedding_map.class_colours(shown, hardest=list(reversed(shown)))
    assert len(colours) == 20 and len(set(colours.values())) == 20 and 29 in colours and 0 not in colours
    assert len(embedding_map.class_colours(list(range(5)), [])) == 5


def test_the_map_names_its_classes_beside_the_media_legend():
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60),
                           "media": ["image", "text", "audio"] * 20, "label": np.arange(60) % 30, "id": "x"})
    names = [f"{i + 1:03d}.Species_number_{i}_Warbler" for i in range(30)]
    fig = embedding_map.plot_map(points, names, hardest=list(range(29, -1, -1)))
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert "other classes" in texts and "media" in texts and any("Species number 29" in t for t in texts)
    assert overlapping_labels(fig) == []


def test_hardest_classes_are_those_retrieved_worst():
    assert embedding_map.hardest_classes(_pair())[0] in (0, 1)


def test_items_per_class_labels_do_not_overlap_at_200_classes():
    columns = pd.MultiIndex.from_tuples([(m, s) for m in ("image", "text") for s in ("train", "test")])
    counts = pd.DataFrame(np.random.default_rng(0).integers(20, 40, (200, 4)), columns=columns)
    assert overlapping_labels(plot_items_per_class(counts, ["image", "text"])) == []


def test_the_overlap_check_finds_an_overlap():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.set_xticks(range(50), [f"label {i}" for i in range(50)])
    assert overlapping_labels(fig)


def _scored(pair):
    """The same items with MCSM's scorer, whose one space (all fusion weight) is the features
    with image 0 moved onto class 0's text: the scorer's ranking, not the features', fixes it."""
    from fgcross import MEDIA
    from fgcross.scoring import Scorer

    fusion = np.zeros((len(MEDIA), len(MEDIA), len(MEDIA)), np.float32)
    fusion[..., 0] = 1.0
    out = {}
    for m, e in pair.items():
        space = e.features.copy()
        if m == "image":
            space[0] = np.eye(4)[0]
        spaces = np.repeat(space[:, None], len(MEDIA), axis=1)
        out[m] = Embeddings(m, e.features, e.labels, e.ids, Scorer("mcsm", {"fusion": fusion}), {"spaces": spaces})
    return out


def test_pages_rank_by_the_methods_scorer():
    """MCSM, CRAN: the report's confusions, worst queries and examples rank as the evaluation does."""
    from fgcross.reports.examples import retrieval_examples

    plain, scored = _pair(), _scored(_pair())
    assert failures.confusion_counts(plain, classes=4, k=1)["image"][0][0, 1] == 1
    assert failures.confusion_counts(scored, classes=4, k=1)["image"][0][0, 1] == 0

    class Renderer:  # the examples' and worst queries' item renderer, as plain text
        index = type("Index", (), {"classes": NAMES})

        def html(self, media, item, right=False, query=False, score=None):
            return f"[{item}{' ok' if right else ''}]"

    assert "[image/0][text/0 ok]" in failures.worst_queries(scored, Renderer(), per_direction=4, top_k=1)
    assert "[image/0][text/0 ok]" not in failures.worst_queries(plain, Renderer(), per_direction=4, top_k=1)
    assert "[image/0][text/0 ok]" in retrieval_examples(scored, Renderer(), per_media=4, top_k=1)
    assert "[image/0][text/0 ok]" not in retrieval_examples(plain, Renderer(), per_media=4, top_k=1)

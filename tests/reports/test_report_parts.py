"""The building blocks of the report pages, on the tiny generated dataset."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
import soundfile

from fgcross.data.index_files import read_index
from fgcross.embeddings import Embeddings
from fgcross.media.preview import png_data_uri, wav_data_uri
from fgcross.reports import dataset_view, embedding_map
from fgcross.reports.items import ItemRenderer
from fgcross.reports.pages import PAGES, index_html, nav_html
from fgcross.stage_times import latest_stage_times, record_stage_time


def _decode(uri: str, prefix: str) -> bytes:
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix):])


def test_png_thumbnails_are_shrunk_and_decodable():
    import cv2

    frames = np.random.default_rng(0).integers(0, 255, (5, 300, 200, 3), dtype=np.uint8)
    png = cv2.imdecode(np.frombuffer(_decode(png_data_uri(frames), "data:image/png;base64,"), np.uint8), 1)
    assert png.shape[0] == 128 and png.shape[1] == round(1000 * 128 / 300)  # a strip, 128 px high


def test_audio_players_embed_a_short_wav(index_dir):
    index = read_index(index_dir)
    path = index.root / index.items("audio", "test")["path"][0]
    wave, rate = soundfile.read(io.BytesIO(_decode(wav_data_uri(path, 0.25, 8000), "data:audio/wav;base64,")))
    assert rate == 8000 and len(wave) == 2000 and np.abs(wave).max() > 0
    assert wav_data_uri(path.with_suffix(".png")) is None  # a pre-rendered spectrogram has no sound


def test_items_render_as_media(index_dir, media_dir):
    index = read_index(index_dir)
    renderer = ItemRenderer(index, media_dir, "test")
    audio = renderer.html("audio", index.items("audio", "test")["id"][0], correct=True, score=0.5)
    assert '<audio controls' in audio and "data:audio/wav;base64," in audio and 'class="item ok"' in audio
    video = renderer.html("video", index.items("video", "test")["id"][0])
    strip = _decode(video.split('src="')[1].split('"')[0], "data:image/png;base64,")
    import cv2

    picture = cv2.imdecode(np.frombuffer(strip, np.uint8), 1)
    assert picture.shape[1] > picture.shape[0]  # the frame strip, not one frame


def test_dataset_counts_and_samples_with_an_absent_media(index_dir, media_dir):
    index = read_index(index_dir)
    counts = dataset_view.items_per_class(index)
    assert counts[("image", "train")].tolist() == [4] * len(index.classes)
    summary = dataset_view.count_summary(index)
    assert set(summary["items"]) == {4 * len(index.classes), 2 * len(index.classes)}
    renderer = ItemRenderer(index, media_dir, "test")
    del renderer.prepared["audio"]  # as for a dataset without audio
    html = dataset_view.class_samples(index, renderer, dataset_view.sample_classes(index, 2))
    assert html.count("absent from this dataset") == 2 and html.count('class="item "') == 6


def test_tsne_map_is_deterministic_and_capped():
    rng = np.random.default_rng(0)
    emb = {m: Embeddings(m, rng.random((40, 8), dtype=np.float32), np.arange(40) % 4,
                         np.array([f"{m}{i}" for i in range(40)])) for m in ("image", "text")}
    a = embedding_map.tsne_map(emb, max_points=30, seed=1)
    b = embedding_map.tsne_map(emb, max_points=30, seed=1)
    assert len(a) == 30 and (a["media"] == "image").sum() == 15
    np.testing.assert_array_equal(a[["x", "y"]].to_numpy(), b[["x", "y"]].to_numpy())
    table = embedding_map.neighbour_agreement(a, k=3)
    assert list(table.index) == ["image", "text"] and table.to_numpy().max() <= 1


def test_stage_times_keep_the_latest_of_each_part(tmp_path):
    log = tmp_path / "times.jsonl"
    record_stage_time("frames", 5.0, "shard 0", log)
    record_stage_time("frames", 2.0, "shard 0", log)
    record_stage_time("frames", 3.0, "shard 1", log)
    record_stage_time("frames", 1.0, "merge", log)
    record_stage_time("train", 10.0, path=log)
    with open(log, "a") as handle:
        handle.write('{"stage": "broken"\n')  # a line cut by a crash
    times = latest_stage_times(log).set_index("stage")
    assert times.loc["frames", "seconds"] == 6.0 and times.loc["frames", "parts"] == 3
    assert list(times.index) == ["frames", "train"]
    assert latest_stage_times(tmp_path / "none.jsonl").empty


def test_index_page_links_every_page_and_escapes_facts():
    metrics = {"i2t": 0.25, "bi_avg": 0.25, "i2all": 0.5, "multi_avg": 0.5}
    html = index_html(metrics, {"dataset": "<script>x</script>"}, failed={"training": "boom <b>"})
    assert "&lt;script&gt;" in html and "<script>" not in html and "boom &lt;b&gt;" in html
    for page in PAGES:
        href = f"{page.slug}.html" if page.tracked else f"../live/{page.slug}.html"
        assert f'href="{href}"' in html or page.slug == "training"
    assert "0.250" in html and "0.500" in html and "Built" not in html  # no build time in a tracked page
    assert 'class="here"' in nav_html("embedding", metrics)
    live = nav_html("provenance", metrics)  # from reports/live back to reports/html
    assert 'href="../html/index.html"' in live and 'href="../html/dataset.html"' in live
    assert 'href="experiments.html"' in live


@pytest.mark.parametrize("page", [p.slug for p in PAGES])
def test_templates_declare_only_known_parameters(page):
    """Every notebook parameter is one that steps.report passes (a typo would silently keep the default)."""
    import papermill

    from steps.report import build_parser, notebook_parameters
    from tests.conftest import REPO, tiny_params

    declared = set(papermill.inspect_notebook(str(REPO / "reports/templates" / f"{page}.ipynb")))
    passed = set(notebook_parameters(build_parser().parse_args([]), tiny_params()))
    assert declared and declared <= passed, declared - passed
    assert json.loads((REPO / "reports/templates" / f"{page}.ipynb").read_text())["nbformat"] == 4


@pytest.mark.parametrize("page", [p.slug for p in PAGES])
def test_template_cells_have_fixed_ids(page):
    """nbformat gives a cell without an id a random one on every run, which would change the tracked
    executed notebook and page each time (goal: a re-run changes no tracked file)."""
    from tests.conftest import REPO

    cells = json.loads((REPO / "reports/templates" / f"{page}.ipynb").read_text())["cells"]
    ids = [cell.get("id") for cell in cells]
    assert None not in ids and len(set(ids)) == len(ids)

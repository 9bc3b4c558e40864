"""`fgcross index` / `fgcross search`: every media as a query, typed text, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import soundfile
import yaml

from fgcross.cli import main
from fgcross.data.index_files import read_index
from fgcross.inner_product import faiss_available
from fgcross.search.gallery import SearchIndex
from fgcross.search.query import QueryEncoder
from tests.conftest import REPO, merge, tiny_raw
from tests.search.conftest import SEARCH


@pytest.fixture(scope="module")
def params_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(merge(tiny_raw(), {"search": SEARCH})))
    return path


def search(searchable, params_file, capsys, *args: str) -> dict:
    main(["--params", str(params_file), "search", "--index-dir", str(searchable["search"]), "--model",
          str(searchable["models"]), "--json", *args])
    return json.loads(capsys.readouterr().out)


def fail(searchable, params_file, capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["--params", str(params_file), "search", "--index-dir", str(searchable["search"]), "--model",
              str(searchable["models"]), *args])
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_index_holds_every_exported_item_with_what_to_show(searchable, index_dir):
    index = SearchIndex(searchable["search"], "numpy")
    manifest = read_index(index_dir).manifest
    assert len(index.items) == len(manifest) and index.media == ["image", "text", "audio", "video"]
    norms = np.linalg.norm(index.features, axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    video_row = int(index.items.index[index.items["media"] == "video"][0])
    audio_row = int(index.items.index[index.items["media"] == "audio"][0])
    assert index.preview_uri(video_row).startswith("data:image/png;base64,")
    assert index.sound_uri(audio_row).startswith("data:audio/wav;base64,") and index.sound_uri(video_row) == ""
    text_rows = index.items[index.items["media"] == "text"]
    assert text_rows["snippet"].str.len().min() > 0


@pytest.mark.parametrize("media", ["image", "text", "audio", "video"])
def test_a_dataset_file_finds_itself_first(searchable, params_file, capsys, index_dir, media):
    """Prepared exactly as in the pipeline: the query's embedding is the exported one, so the
    item itself comes first with cosine 1, and every result carries the table's fields."""
    item = read_index(index_dir).items(media, "test").iloc[0]
    out = search(searchable, params_file, capsys, str(read_index(index_dir).root / item["path"]), "-k", "7")
    first = out["results"][0]
    assert first["id"] == item["id"] and first["score"] == pytest.approx(1.0, abs=1e-4)
    assert first["class"] == item["class_name"] and first["media"] == media and first["path"] == item["path"]
    assert [r["rank"] for r in out["results"]] == list(range(1, 8))
    scores = [r["score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True)


def test_other_file_formats_and_one_media(searchable, params_file, capsys, index_dir, tmp_path):
    index = read_index(index_dir)
    image = index.items("image", "test").iloc[0]
    png = tmp_path / "bird.png"
    cv2.imwrite(str(png), cv2.imread(str(index.root / image["path"])))  # lossless: the same pixels
    out = search(searchable, params_file, capsys, str(png), "--media", "audio")
    assert {r["media"] for r in out["results"]} == {"audio"} and len(out["results"]) == SEARCH["k"]
    first = search(searchable, params_file, capsys, str(png))["results"][0]
    assert first["id"] == image["id"]
    wave, rate = soundfile.read(index.root / index.items("audio", "test").iloc[0]["path"])
    for ext in ("flac", "mp3"):
        soundfile.write(tmp_path / f"song.{ext}", wave, rate)
        assert len(search(searchable, params_file, capsys, str(tmp_path / f"song.{ext}"))["results"]) == SEARCH["k"]


def test_typed_text_is_a_text_query(searchable, params_file, capsys, index_dir):
    index = read_index(index_dir)
    item = index.items("text", "test").iloc[0]
    typed = (index.root / item["path"]).read_text(encoding="utf-8")
    out = search(searchable, params_file, capsys, typed)
    assert out["results"][0]["id"] == item["id"]


def test_table_output(searchable, params_file, capsys):
    main(["--params", str(params_file), "search", "--index-dir", str(searchable["search"]), "--model",
          str(searchable["models"]), "a small bird with a red crown", "-k", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rank", "media", "id", "class", "score", "path"] and len(lines) == 4


def test_bad_queries_exit_2_with_a_clear_error(searchable, params_file, capsys, tmp_path):
    gif = tmp_path / "bird.gif"
    gif.write_bytes(b"GIF89a")
    assert "unknown file type '.gif'" in fail(searchable, params_file, capsys, str(gif))
    assert "unknown file type '.gif'" in fail(searchable, params_file, capsys, str(tmp_path / "missing.gif"))
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff" + b"not a jpeg" * 50)
    assert f"{corrupt}: cannot read this image file" in fail(searchable, params_file, capsys, str(corrupt))
    assert "empty text query" in fail(searchable, params_file, capsys, "   ")
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (2 * 2**20))
    assert "above the size limit of 1.0 MiB" in fail(searchable, params_file, capsys, str(big))
    assert "no such file" in fail(searchable, params_file, capsys, str(tmp_path / "missing.mp4"))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert "empty file" in fail(searchable, params_file, capsys, str(empty))
    assert "no search index here" in fail(searchable, params_file, capsys, "bird", "--index-dir", str(tmp_path))


@pytest.mark.skipif(not faiss_available(), reason="faiss not installed")
def test_faiss_and_numpy_rank_the_same(searchable):
    encoder = QueryEncoder(searchable["models"])
    vector = encoder.embed_text("a yellow bird that sings three notes")
    by_numpy = SearchIndex(searchable["search"], "numpy")
    by_faiss = SearchIndex(searchable["search"], "faiss")
    for media in ("all", "video"):
        a, b = by_numpy.search(vector, media, 20), by_faiss.search(vector, media, 20)
        assert [h.row for h in a] == [h.row for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], atol=1e-5)


def test_index_command_and_console_script(searchable, params_file, index_dir, media_dir, tmp_path):
    """`python -m fgcross index` writes the same index as the fixture; the console script runs."""
    out = tmp_path / "search"
    done = subprocess.run([sys.executable, "-m", "fgcross", "--params", str(params_file), "index", "--exports",
                           str(searchable["exports"]), "--index", str(index_dir), "--media", str(media_dir),
                           "--out", str(out), "--quiet"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "indexed" in done.stdout
    np.testing.assert_array_equal(np.load(out / "features.npy"), np.load(searchable["search"] / "features.npy"))
    script = subprocess.run([str(REPO / ".venv/bin/fgcross") if (REPO / ".venv/bin/fgcross").exists() else "fgcross",
                             "--help"], capture_output=True, text=True)
    assert script.returncode == 0 and "search" in script.stdout

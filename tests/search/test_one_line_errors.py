"""Issue 18, points 7 and 8: one clear line instead of a traceback or a wrong answer."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fgcross.data.probe import probe_audio
from fgcross.devices import pick_device
from fgcross.errors import DeviceError, FgcrossError, QueryError, TrackingError
from fgcross.media.audio import load_spectrogram
from fgcross.search.gallery import SearchIndex
from fgcross.search.query import looks_like_a_file
from fgcross.tracking import Tracker
from tests.search.test_search_cli import fail, params_file  # noqa: F401 - the fixture


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu():
    with pytest.raises(DeviceError, match="train.device is cuda but no CUDA device .* set train.device to cpu"):
        pick_device("cuda")


def test_bad_tracking_uri():
    with pytest.raises(TrackingError, match="tracking.uri 'bogus://x': cannot open the MLflow store"):
        Tracker("bogus://x").log_params({"a": 1})


def test_audio_that_decodes_to_nothing_says_why(tmp_path):
    junk = tmp_path / "song.mp3"
    junk.write_bytes(b"ID3 but no audio")
    with pytest.raises(ValueError, match=r"song.mp3: cannot decode audio \(NoBackendError: no decoder found"):
        load_spectrogram(junk, 8000, 256, 64, 80.0, 32)
    reason = probe_audio(junk)  # today's main: IndexError on the decoder's empty message
    assert reason and reason.startswith("unreadable audio (") and reason != "unreadable audio ()"


def test_negative_k_is_refused(searchable, params_file, capsys):  # noqa: F811
    """Today's main: `-k -3` returned one result."""
    assert "k must be at least 1 (got -3)" in fail(searchable, params_file, capsys, "red bird", "-k", "-3")
    with pytest.raises(QueryError):
        SearchIndex(searchable["search"], "numpy").search(np.ones(4, np.float32), "all", 0)


def test_one_word_with_a_slash_is_text(tmp_path):
    """Today's main took `red/brown` for a path (and failed: no such file)."""
    assert not looks_like_a_file("red/brown") and not looks_like_a_file("black-and-white/grey")
    assert looks_like_a_file("photo.gif") and looks_like_a_file(str(tmp_path))
    assert looks_like_a_file("some/where/bird.jpg")


def test_evaluate_out_writes_and_logs_only_what_it_was_asked(searchable, params_file, tmp_path,  # noqa: F811
                                                            monkeypatch):
    """Today's main overwrote metrics/retrieval.json and diagnostics.json beside the other output,
    rewrote plots/, and logged a stale or missing metrics/eval.json to MLflow."""
    import steps.evaluate as evaluate

    monkeypatch.chdir(tmp_path)
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "retrieval.json").write_text("tracked")

    def no_tracking(*args, **kwargs):
        raise AssertionError("logged to MLflow")

    monkeypatch.setattr(evaluate, "pipeline_run", no_tracking)
    evaluate.main(["--params", str(params_file), "--quiet", "--embeddings", str(searchable["exports"]),
                   "--out", "metrics/other.json", "--classes", "none.csv"])
    assert sorted(p.name for p in (tmp_path / "metrics").iterdir()) == [
        "other.diagnostics.json", "other.json", "other.per_class_ap.csv", "other.reranked.json", "other.retrieval.json",
        "retrieval.json"]
    assert (tmp_path / "metrics" / "retrieval.json").read_text() == "tracked"
    assert not (tmp_path / "plots").exists()
    assert "bi_avg" in json.loads((tmp_path / "metrics" / "other.json").read_text())


def test_port_in_use_through_the_command(searchable, params_file, capsys):  # noqa: F811
    from fgcross.cli import main
    from fgcross.search.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["--params", str(params_file), "serve", "--index-dir", str(searchable["search"]), "--model",
                  str(searchable["models"]), "--port", str(sock.getsockname()[1])])
        assert exit_info.value.code == 2 and "in use" in capsys.readouterr().err
    finally:
        sock.close()
    assert issubclass(TrackingError, FgcrossError)

"""The step command lines: --help for each, and clear errors with a non-zero exit."""

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, write_tiny_params

STEPS = ["synthesize", "index", "frames", "spectrogram", "text", "images", "train", "export", "evaluate", "report",
         "compare"]


def _run(args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("step", STEPS)
def test_help(step):
    out = _run([f"steps.{step}", "--help"])
    assert out.returncode == 0 and "--params" in out.stdout


def test_index_error_names_file_and_line_and_exits_non_zero(tmp_path, dataset):
    root = tmp_path / "root"
    shutil.copytree(dataset, root)
    lst = root / "list" / "text" / "train.txt"
    lines = lst.read_text().splitlines()
    lines[2] = lines[2].rsplit(" ", 1)[0] + " seven"
    lst.write_text("\n".join(lines) + "\n")
    params = tmp_path / "params.yaml"
    write_tiny_params(params, {"tracking": {"enabled": False}})
    out = _run(["steps.index", "--params", str(params), "--root", str(root), "--out", str(tmp_path / "idx")])
    assert out.returncode == 2
    assert f"{lst}:3: label 'seven' is not an integer" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "idx").exists()  # nothing half-written


def test_bad_params_exit_non_zero(tmp_path):
    params = tmp_path / "params.yaml"
    write_tiny_params(params, {"loss": {"margin3": 1}})
    out = _run(["steps.evaluate", "--params", str(params)])
    assert out.returncode == 2 and "margin3" in out.stderr


def test_synthesize_with_a_real_dataset_writes_only_a_note(tmp_path):
    params = tmp_path / "params.yaml"
    write_tiny_params(params, {"data": {"source": "layout", "root": str(tmp_path)}, "tracking": {"enabled": False}})
    out = _run(["steps.synthesize", "--params", str(params), "--out", str(tmp_path / "gen")])
    assert out.returncode == 0
    assert [p.name for p in (tmp_path / "gen").iterdir()] == ["NOT_GENERATED.txt"]


def test_log_lines_carry_time_and_level(tmp_path):
    code = ("import logging; from steps._common import run; "
            "run('demo', lambda: logging.getLogger('x').info('lr=%s', '1.0e-03'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO), "PATH": ""})
    import re

    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO \[demo\] lr=1.0e-03$", out.stderr, re.M), out.stderr


def test_evaluate_twice_writes_the_same_bytes(tmp_path):
    """A re-run with the same params and code changes no tracked file (the metrics and plots kept in git)."""
    import numpy as np

    from fgcross.embeddings import save_embeddings

    rng = np.random.default_rng(0)
    for media in ("image", "text", "audio", "video"):
        labels = np.repeat(np.arange(4), 3)
        save_embeddings(tmp_path / "exports" / "test" / f"{media}.npz",
                        {"features": rng.normal(size=(12, 4)).astype(np.float32) + np.eye(4)[labels] * 2,
                         "labels": labels, "ids": np.array([f"{media}{i}" for i in range(12)])})
    params = tmp_path / "params.yaml"
    write_tiny_params(params, {"tracking": {"enabled": False}})
    written = []
    for attempt in range(2):
        out = _run(["steps.evaluate", "--params", str(params), "--embeddings", str(tmp_path / "exports"),
                    "--out", str(tmp_path / f"m{attempt}" / "eval.json"), "--plots", str(tmp_path / f"p{attempt}")])
        assert out.returncode == 0, out.stderr
        written.append({p.relative_to(tmp_path / f"{d}{attempt}").as_posix(): p.read_bytes()
                        for d in ("m", "p") for p in sorted((tmp_path / f"{d}{attempt}").iterdir())})
    assert written[0] == written[1]
    assert set(written[0]) >= {"eval.json", "retrieval.json", "map_by_direction.csv", "pr_curve.csv"}
    curve = written[0]["pr_curve.csv"].decode().splitlines()
    assert curve[0].split(",")[:3] == ["recall", "i2t", "i2a"] and len(curve) == 12  # header + 11 levels

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

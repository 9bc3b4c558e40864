"""The provenance panel names the files git reports, whole (goal: a status line that starts
with a space lost the first letter of its path)."""

import subprocess

from fgcross.reports.provenance import changed_files, git_state


def test_a_status_entry_that_starts_with_a_space_keeps_its_path():
    status = " M plots/train_history.csv\0M  params.yaml\0"
    assert changed_files(status) == ["plots/train_history.csv", "params.yaml"]


def test_renames_name_the_new_path_and_skip_the_old_one():
    status = "R  new name.csv\0old name.csv\0 D gone.txt\0"
    assert changed_files(status) == ["new name.csv", "gone.txt"]
    assert changed_files("") == []


def test_git_state_of_a_real_checkout(tmp_path):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots/train_history.csv").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    git("add", ".")
    git("commit", "-qm", "first")
    assert git_state(tmp_path)["state"] == "clean"
    (tmp_path / "plots/train_history.csv").write_text("changed\n")  # unstaged: " M plots/..."
    state = git_state(tmp_path)
    assert state["state"] == "modified" and state["subject"] == "first"
    assert state["changed files"] == "plots/train_history.csv"

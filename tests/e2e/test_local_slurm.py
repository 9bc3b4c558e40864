"""The data stages through Snakemake's SLURM executor on a real one-node cluster with accounting
(workflow/cluster/local-slurm.sh): every rule a SLURM job, `sacct` polled, the store
byte-identical to the same stage run without SLURM, and a second run submits nothing. Root only (the daemons run as
root); the script installs Debian's packages where they are missing (about 20 s)."""

import os
import subprocess

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import run_env, sh

SCRIPT = REPO / "workflow/cluster/local-slurm.sh"
TARGETS = ["build/media/image/meta.json"]

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(os.geteuid() != 0, reason="the local cluster's daemons run as root")]


def sacct(env):
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "jobid,state,partition"], env=env, capture_output=True,
                         text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


@pytest.fixture
def cluster(tmp_path):
    env = {**run_env(), "FGCROSS_SLURM_DIR": str(tmp_path / "slurm")}
    subprocess.run([str(SCRIPT), "start"], env=env, check=True, timeout=600)
    env.update(SLURM_CONF=str(tmp_path / "slurm/etc/slurm.conf"), FGCROSS_SITE=str(tmp_path / "slurm/site.yaml"))
    yield env
    subprocess.run([str(SCRIPT), "stop"], env=env, check=True, timeout=120)
    assert subprocess.run([str(SCRIPT), "status"], env=env, capture_output=True).returncode != 0  # all stopped


def test_data_stages_as_slurm_jobs_give_the_local_bytes(cluster, repo_copy, tmp_path):
    before = {tuple(row) for row in sacct(cluster)}
    command = ["timeout", "-k", "30", "600", "snakemake", "--profile", "workflow/profiles/slurm-local", *TARGETS]
    out = subprocess.run(command, cwd=repo_copy, env=cluster, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-4000:]
    jobs = [row for row in sacct(cluster) if tuple(row) not in before]
    assert len(jobs) >= 3 and all(state == "COMPLETED" for _, state, _ in jobs), jobs  # synthesize, index, image
    again = subprocess.run(command, cwd=repo_copy, env=cluster, capture_output=True, text=True)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    assert len(sacct(cluster)) == len(before) + len(jobs)  # nothing submitted
    # the same stage run here, without SLURM, on the index the cluster made: the same bytes
    local = tmp_path / "local-image"
    sh(["python", "-m", "steps.images", "--quiet", "--index", "build/index", "--out", str(local)], repo_copy)
    for path in sorted(local.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            assert path.read_bytes() == (repo_copy / "build/media/image" / path.name).read_bytes(), path

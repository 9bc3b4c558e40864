"""Packaging: ranges in pyproject.toml, the tested versions in constraints.txt, and environment.yml and
workflow/envs/*.yaml pinned to those versions; a wheel with the library only, built without warnings."""

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
REQUIREMENTS = [Requirement(d) for d in PYPROJECT["project"]["dependencies"]] + [
    Requirement(d) for extra in PYPROJECT["project"]["optional-dependencies"].values() for d in extra
    if not d.startswith("fgcross")]
CONSTRAINTS = {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$",
                                                               (REPO / "constraints.txt").read_text(), re.M)}


def _pip_pins(path):
    env = yaml.safe_load(path.read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda and "pip" in conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {canonicalize_name(p.split("==")[0]): p.split("==")[1] for p in pip if "==" in p}, pip


def test_dependencies_are_ranges_with_a_floor():
    for req in REQUIREMENTS:
        ops = {spec.operator for spec in req.specifier}
        assert ">=" in ops and "==" not in ops, f"{req}: a range with a lower bound, not a pin"


def test_constraints_hold_a_tested_version_of_every_requirement_within_its_range():
    for req in REQUIREMENTS:
        version = CONSTRAINTS.get(canonicalize_name(req.name))
        assert version, f"{req.name} is not in constraints.txt"
        assert req.specifier.contains(version, prereleases=True), f"{req.name}=={version} is outside {req}"
    assert CONSTRAINTS["torch"] == "2.14.1" and CONSTRAINTS["torchvision"] == "0.29.1"


def test_faiss_is_an_extra_of_its_own_and_the_tests_take_it():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert [Requirement(d).name for d in extras["faiss"]] == ["faiss-cpu"]
    assert "fgcross[faiss,docs,birdnet,hf,postgres]" in extras["test"]
    assert "faiss-cpu" not in {Requirement(d).name for d in PYPROJECT["project"]["dependencies"]}


def test_environment_yml_installs_the_tested_versions_and_the_package():
    pins, pip = _pip_pins(REPO / "environment.yml")
    assert {canonicalize_name(r.name) for r in REQUIREMENTS} <= set(pins)
    assert all(CONSTRAINTS[name] == version for name, version in pins.items()), pins
    assert "-e ." in pip  # the `fgcross` command exists in the conda env


@pytest.mark.parametrize("env", sorted((REPO / "workflow/envs").glob("*.yaml")), ids=lambda p: p.name)
def test_rule_envs_pin_the_tested_versions(env):
    pins, pip = _pip_pins(env)
    assert pins and len(pins) == len(pip), f"every package of {env.name} is pinned"
    assert all(CONSTRAINTS.get(name) == version for name, version in pins.items()), pins


def test_every_rule_env_exists():
    rules = "".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    for env in set(re.findall(r'conda:\s*\n\s*"\.\./envs/([^"]+)"', rules)):
        assert (REPO / "workflow/envs" / env).exists()


def test_the_makefile_and_the_readme_install_with_the_constraints():
    assert '-c constraints.txt -e ".[test]"' in (REPO / "Makefile").read_text()
    assert 'pip install -c constraints.txt -e ".[test]"' in (REPO / "README.md").read_text()


def test_the_wheel_holds_the_library_only_and_builds_without_warnings(tmp_path):
    """`steps` stays in the repository (the pipelines run it from there), not in site-packages."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for package in ("fgcross", "steps"):
        shutil.copytree(REPO / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w",
                          str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert not re.search(r"SetuptoolsDeprecationWarning|license.*deprecated|UserWarning", log), log[-3000:]
    (wheel,) = (tmp_path / "dist").glob("fgcross-*.whl")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert "fgcross" in tops and "steps" not in tops, tops
    assert "fgcross/defaults/params.yaml" in zipfile.ZipFile(wheel).namelist()


def test_docs_extra_is_part_of_the_test_extra():
    """CI installs the test extra and builds the site, so it must take the docs extra."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert extras["docs"] and "fgcross[faiss,docs,birdnet,hf,postgres]" in extras["test"]

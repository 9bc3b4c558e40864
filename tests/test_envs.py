"""environment.yml and workflow/envs/*.yaml parse and pin what pyproject.toml pins."""

import re
import tomllib

import pytest
import yaml

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PINS = dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", d).groups()
            for d in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"])


def _pip_pins(path):
    env = yaml.safe_load(path.read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda and "pip" in conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return dict(p.split("==") for p in pip)


def test_every_dependency_is_pinned_exactly():
    assert len(PINS) == len(PYPROJECT["project"]["dependencies"]) + 10
    assert PINS["torch"] == "2.14.1" and PINS["torchvision"] == "0.29.1"


def test_environment_yml_matches_pyproject():
    assert _pip_pins(REPO / "environment.yml") == PINS


@pytest.mark.parametrize("env", sorted((REPO / "workflow/envs").glob("*.yaml")), ids=lambda p: p.name)
def test_rule_envs_use_pyproject_pins(env):
    pins = _pip_pins(env)
    assert pins and all(PINS.get(name) == version for name, version in pins.items()), pins


def test_every_rule_env_exists():
    rules = "".join(p.read_text() for p in (REPO / "workflow/rules").glob("*.smk"))
    for env in set(re.findall(r'conda:\s*\n\s*"\.\./envs/([^"]+)"', rules)):
        assert (REPO / "workflow/envs" / env).exists()


def test_docs_extra_is_part_of_the_test_extra():
    """CI installs the test extra and builds the site, so it must hold the docs pins."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert extras["docs"] and set(extras["docs"]) <= set(extras["test"])

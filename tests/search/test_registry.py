"""The model the MLflow way: logged as a pyfunc (code, not pickles), registered as `fgcross`, loaded
back, and searched with through `fgcross search --model models:/fgcross/<version>` and `@<alias>`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from fgcross.cli import main
from fgcross.data.index_files import read_index
from fgcross.errors import ModelNotFoundError
from fgcross.search.query import QueryEncoder
from fgcross.search.registry import REGISTERED_NAME, log_model, resolve_model
from fgcross.tracking import stage_run
from tests.conftest import merge, tiny_params, tiny_raw
from tests.search.conftest import SEARCH

TEXT = "A small bird with a red crown. It sings three notes."


@pytest.fixture(scope="module")
def registered(tmp_path_factory, searchable):
    """A project folder whose mlflow.db holds one train run with the model logged and registered."""
    import os

    root = tmp_path_factory.mktemp("project")
    uri = f"sqlite:///{root}/mlflow.db"
    params_file = root / "params.yaml"
    params_file.write_text(yaml.safe_dump(merge(tiny_raw(), {"search": SEARCH, "tracking": {"uri": uri}})))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with stage_run("train", tiny_params()) as tracker:
            version = log_model(tracker, searchable["models"])
    finally:
        os.chdir(cwd)
    MlflowClient(uri).set_registered_model_alias(REGISTERED_NAME, "champion", version)
    return {"root": root, "uri": uri, "params": params_file, "version": version, "run_id": tracker.run_id}


def test_logged_model_has_a_signature_an_example_and_no_pickle(registered):
    import mlflow.artifacts

    mlflow.set_tracking_uri(registered["uri"])
    mlflow.set_registry_uri(registered["uri"])
    local = mlflow.artifacts.download_artifacts(f"models:/{REGISTERED_NAME}/{registered['version']}")
    mlmodel = yaml.safe_load(Path(local, "MLmodel").read_text())
    assert mlmodel["signature"]["inputs"] and mlmodel["signature"]["outputs"]
    assert mlmodel.get("saved_input_example_info"), "no input example"
    files = [p.name for p in Path(local).rglob("*") if p.is_file()]
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".cloudpickle"))], files
    assert {"config.json", "model.pt"} <= set(files)
    run = MlflowClient(registered["uri"]).get_run(registered["run_id"])
    assert run.data.tags["fgcross.registered_model"] == f"models:/fgcross/{registered['version']}"


def test_registered_model_loads_and_embeds_like_the_folder(registered, searchable):
    import mlflow.pyfunc

    mlflow.set_tracking_uri(registered["uri"])
    mlflow.set_registry_uri(registered["uri"])
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED_NAME}@champion")
    got = model.predict(pd.DataFrame({"query": [TEXT]}))
    want = QueryEncoder(searchable["models"]).embed_text(TEXT)
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ref", ["models:/fgcross/{version}", "models:/fgcross@champion", "models:/fgcross/latest"])
def test_search_with_a_registered_model(registered, searchable, index_dir, capsys, monkeypatch, ref):
    monkeypatch.chdir(registered["root"])
    monkeypatch.delenv("DVC_ROOT", raising=False)
    item = read_index(index_dir).items("image", "test").iloc[0]
    query = str(read_index(index_dir).root / item["path"])
    main(["--params", str(registered["params"]), "search", "--index-dir", str(searchable["search"]), "--model",
          ref.format(version=registered["version"]), "--json", query])
    first = json.loads(capsys.readouterr().out)["results"][0]
    assert first["id"] == item["id"] and first["score"] == pytest.approx(1.0, abs=1e-4)
    assert (registered["root"] / "build" / "registry" / "fgcross" / registered["version"]).is_dir()


@pytest.mark.parametrize("ref", ["models:/fgcross/99", "models:/fgcross@nobody", "models:/other/1", "models:/x/y/z"])
def test_an_unknown_registered_model_is_one_clear_error(registered, tmp_path, ref):
    with pytest.raises(ModelNotFoundError, match="models:/"):
        resolve_model(ref, registered["uri"], tmp_path)


def test_cli_says_which_model_is_missing(registered, searchable, capsys, monkeypatch):
    monkeypatch.chdir(registered["root"])
    with pytest.raises(SystemExit) as exit_info:
        main(["--params", str(registered["params"]), "search", "--index-dir", str(searchable["search"]),
              "--model", "models:/fgcross@nobody", TEXT])
    assert exit_info.value.code == 2 and "models:/fgcross@nobody" in capsys.readouterr().err

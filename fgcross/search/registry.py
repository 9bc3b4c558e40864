"""The trained model in MLflow's model registry: logged with the pipeline run, registered as
`fgcross`, and resolved back to a local model folder for `fgcross search/serve --model`.

    --model models                        a folder (config.json + model.pt), as before
    --model models:/fgcross/3             version 3 of the registered model
    --model models:/fgcross@champion      the version an alias points to
    --model models:/fgcross/latest        the newest version

The logged model is a pyfunc from code (fgcross/search/pyfunc.py) with the model folder as an
artifact: a signature, an input example, and no pickled code. A registered version is
downloaded once into `<project>/build/registry/<name>/<version>/` and read from there.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fgcross.errors import ModelNotFoundError
from fgcross.tracking import Tracker

REGISTERED_NAME = "fgcross"
ARTIFACT_PATH = "model"
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>[^/@]+)|@(?P<alias>[^/@]+))/?$")
_RUNTIME = ("torch", "torchvision", "numpy", "pandas", "mlflow", "opencv-python-headless", "librosa", "pillow")


def _requirements() -> list[str]:
    """What loading the model needs, at the versions installed here (no slow inference by MLflow)."""
    found = []
    for name in ("fgcross", *_RUNTIME):
        try:
            found.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return found


def save_pyfunc(model_dir: str | Path, dst: str | Path) -> Path:
    """Write the MLflow model (MLmodel, the pyfunc's code, config.json and model.pt) to `dst`."""
    import mlflow.pyfunc
    import pandas as pd
    from mlflow.models import infer_signature
    from mlflow.types import ColSpec, Schema, TensorSpec

    from fgcross.search import pyfunc
    from fgcross.search.query import QueryEncoder

    model_dir, dst = Path(model_dir), Path(dst)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / pyfunc.MODEL_DIR
        folder.mkdir()
        for name in ("config.json", "model.pt"):  # nothing else of the model folder
            shutil.copy2(model_dir / name, folder / name)
        encoder = QueryEncoder(folder)
        example = None
        if "text" in encoder.config["media"]:
            example = pd.DataFrame({"query": ["A small bird with a red crown. It sings three notes."]})
            model = pyfunc.FgcrossModel()
            model.encoder = encoder
            signature = infer_signature(example, model.predict(None, example))
        else:
            import numpy as np

            signature = mlflow.models.ModelSignature(
                Schema([ColSpec("string", "query")]),
                Schema([TensorSpec(np.dtype(np.float32), (-1, int(encoder.config["model"]["num_classes"])))]))
        mlflow.pyfunc.save_model(dst, python_model=pyfunc.__file__, artifacts={pyfunc.MODEL_DIR: str(folder)},
                                 signature=signature, input_example=example, pip_requirements=_requirements())
    return dst


def log_model(tracker: Tracker, model_dir: str | Path, name: str = REGISTERED_NAME) -> str | None:
    """Log the model folder as an MLflow model of the tracker's run and register it; return the version."""
    if not tracker.enabled or not tracker.run_id:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        save_pyfunc(model_dir, Path(tmp) / ARTIFACT_PATH)
        tracker._call("log_artifacts", tracker.run_id, str(Path(tmp) / ARTIFACT_PATH), ARTIFACT_PATH)
    with tracker._locked():
        if not tracker._call("search_registered_models", f"name = '{name}'"):
            tracker._call("create_registered_model", name, description="FGCrossNet, one network for image, text, "
                          "audio and video; query with any media (fgcross search --model models:/fgcross/<version>)")
        run = tracker._call("get_run", tracker.run_id)
        mv = tracker._call("create_model_version", name, f"{run.info.artifact_uri}/{ARTIFACT_PATH}",
                           run_id=tracker.run_id, tags={"fgcross.training": run.data.tags.get("fgcross.training", "")})
    tracker.set_tags({"fgcross.registered_model": f"models:/{name}/{mv.version}"})
    return str(mv.version)


def is_registry_uri(ref: str) -> bool:
    return ref.startswith("models:/")


def resolve_model(ref: str, tracking_uri: str, cache: str | Path) -> Path:
    """A local model folder for `ref`: a folder as it is, or a registered version downloaded into `cache`."""
    if not is_registry_uri(ref):
        if not (Path(ref) / "config.json").exists():
            raise ModelNotFoundError(f"{ref}: no model folder there (no config.json); train one, or name a "
                                     "registered model as models:/fgcross/<version> or models:/fgcross@<alias>")
        return Path(ref)
    match = _URI.match(ref)
    if not match:
        raise ModelNotFoundError(f"{ref}: not a model URI; use models:/<name>/<version> or models:/<name>@<alias>")
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    name = match["name"]
    try:
        if match["alias"]:
            mv = client.get_model_version_by_alias(name, match["alias"])
        elif match["version"] == "latest":
            versions = client.search_model_versions(f"name = '{name}'", order_by=["version_number DESC"],
                                                    max_results=1)
            if not versions:
                raise ModelNotFoundError(f"{ref}: the registered model {name!r} has no version")
            mv = versions[0]
        else:
            mv = client.get_model_version(name, match["version"])
        return _downloaded(client, mv, Path(cache) / name / str(mv.version))
    except MlflowException as err:
        raise ModelNotFoundError(f"{ref}: {err.message} (registry {tracking_uri})") from err


def _downloaded(client, mv, dst: Path) -> Path:
    """The model folder of a version, downloaded once (atomically) into dst."""
    from fgcross.search.pyfunc import MODEL_DIR

    folder = dst / "artifacts" / MODEL_DIR
    if (folder / "config.json").exists() and (folder / "model.pt").exists():
        return folder
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dst.parent) as tmp:
        local = client.download_artifacts(mv.run_id, ARTIFACT_PATH, tmp) if mv.run_id else None
        if local is None:
            import mlflow.artifacts

            local = mlflow.artifacts.download_artifacts(mv.source, dst_path=tmp)
        shutil.rmtree(dst, ignore_errors=True)
        Path(local).rename(dst)
    return folder

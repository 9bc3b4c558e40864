"""The trained model as an MLflow pyfunc, logged as code (MLflow's "models from code").

MLflow keeps this file as source, not a pickle: loading it imports fgcross, rebuilds the
network from the logged config.json (fgcross.models.saved) and loads the state dict with
`torch.load(weights_only=True)`. No code object is ever unpickled.

    model = mlflow.pyfunc.load_model("models:/fgcross/1")
    model.predict(pd.DataFrame({"query": ["a small red bird", "bird.jpg"]}))  # float32 [2, classes]

Each `query` is a file of any media (image, video, recording, .txt) or a typed text, prepared
exactly as the training data was (fgcross.search.query.QueryEncoder). The output rows are the
embeddings search ranks by cosine similarity.
"""

from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

MODEL_DIR = "model_dir"
"""The artifact key of the folder holding config.json and model.pt."""


class FgcrossModel(PythonModel):
    def load_context(self, context: Any) -> None:
        from fgcross.search.query import QueryEncoder

        self.encoder = QueryEncoder(context.artifacts[MODEL_DIR])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> np.ndarray:
        from fgcross.search.query import check_file, looks_like_a_file

        rows = []
        for query in model_input["query"].astype(str):
            if looks_like_a_file(query):
                rows.append(self.encoder.embed_file(query, check_file(query, 2**40)))
            else:
                rows.append(self.encoder.embed_text(query))
        return np.stack(rows).astype(np.float32)


mlflow.models.set_model(FgcrossModel())

import itertools

import numpy as np
import pytest

from fgcross.diagnostics import class_distances, diagnostics, modality_gap
from fgcross.embeddings import Embeddings


def test_class_distances_equal_the_pairwise_definition():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(13, 5)), rng.integers(0, 3, 13)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    intra, inter = [], []
    for i, j in itertools.permutations(range(13), 2):
        (intra if y[i] == y[j] else inter).append(1 - unit[i] @ unit[j])
    got = class_distances(x, y)
    assert got["intra"] == pytest.approx(np.mean(intra)) and got["inter"] == pytest.approx(np.mean(inter))


def test_modality_gap():
    a = Embeddings("image", np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0, 1]), np.array(["a", "b"]))
    b = Embeddings("text", np.array([[0.0, 2.0], [0.0, 1.0]]), np.array([0, 1]), np.array(["c", "d"]))
    assert modality_gap({"image": a, "text": b}) == {"image-text": pytest.approx(np.sqrt(2))}
    assert set(diagnostics({"image": a, "text": b})) == {"modality_gap", "image", "text"}

"""Device and precision choice from train.device and train.precision."""

import pytest
import torch

from fgcross.devices import PRECISIONS, pick_device, resolve_precision


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_resolve_precision():
    assert resolve_precision("auto", torch.device("cpu")) == "fp32"
    assert resolve_precision("auto", torch.device("cuda")) == "bf16"
    assert all(resolve_precision(p, torch.device("cpu")) == p for p in PRECISIONS if p != "auto")
    with pytest.raises(ValueError, match="fp8"):
        resolve_precision("fp8", torch.device("cpu"))

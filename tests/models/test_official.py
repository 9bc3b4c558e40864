"""A state dict in the official code's layout round-trips into our network with identical logits."""

import pytest
import torch
from torch.nn import functional as F

from fgcross.models.fgcrossnet import ModelConfig, build_model
from fgcross.models.official import OfficialWeightsError, convert_official, load_official

S = 32  # the official code's 448, small: the text picture is S x S as there


def official_state(seed: int, cfg: ModelConfig | None = None) -> dict[str, torch.Tensor]:
    """Random weights under the official names (module.embed, conv01, conv02, conv0, conv1..layer4, fc)."""
    torch.manual_seed(seed)
    ours = build_model(cfg or ModelConfig("resnet18", 5, S, 4, "charcnn", True, "official")).state_dict()
    back = {"adapters.text.embed.": "embed.", "adapters.text.conv1.": "conv01.", "adapters.text.conv2.": "conv02.",
            "adapters.text.to_rgb.": "conv0.", "backbone.": "", "classifier.": "fc."}
    state = {}
    for key, value in ours.items():
        for new, old in back.items():
            if key.startswith(new):
                if key.endswith("running_var"):
                    value = torch.rand_like(value) + 0.5
                elif value.is_floating_point():
                    value = torch.randn_like(value) * 0.1
                state["module." + old + key[len(new):]] = value
                break
    return state


def official_forward_txt(state, codes):
    """model.py process_txt + forward_share, written from the official state dict alone."""
    w = {k.removeprefix("module."): v for k, v in state.items()}
    x = F.embedding(codes, w["embed.weight"], padding_idx=0).transpose(2, 1)
    x = F.relu(F.conv1d(x, w["conv01.weight"], w["conv01.bias"], padding=1))
    x = F.conv1d(x, w["conv02.weight"], w["conv02.bias"], padding=1).view(-1, 1, S, S)
    x = F.conv2d(x, w["conv0.weight"], w["conv0.bias"], padding=1)
    from torchvision.models import resnet18
    net = resnet18(num_classes=5)
    net.load_state_dict({k: v for k, v in w.items() if not k.startswith(("embed", "conv0"))})
    return net.eval()(x)


def test_official_layout_gives_identical_logits(tmp_path):
    state = official_state(0)
    path = tmp_path / "model.pkl"
    torch.save(state, path)
    model = build_model(ModelConfig("resnet18", 5, S, 4, "charcnn", True, "official"))
    model.load_state_dict(load_official(path))  # strict: every key matched, none missing
    model.eval()
    codes = torch.randint(0, 70, (2, S))
    image = torch.randn(2, 3, S, S)
    with torch.no_grad():
        ours = model({"text": codes})
        mixed = model({"image": image, "text": codes})
        want = official_forward_txt(state, codes)
    assert torch.equal(ours["text"], want)
    assert torch.allclose(mixed["text"], want, atol=1e-5)  # in one batch with images: the same up to float sums


def test_a_foreign_key_is_an_error():
    with pytest.raises(OfficialWeightsError, match="unexpected key 'head.weight'"):
        convert_official({"module.head.weight": torch.zeros(1)})


def test_import_official_converts_exports_and_evaluates(tmp_path, params, index_dir, media_dir):
    import json

    import yaml

    from fgcross.cli import main
    from fgcross.data.index_files import read_index
    from fgcross.models.saved import load_model
    from fgcross.training.pipeline import model_config
    from tests.conftest import override

    official = override(params, {"model": {"text_branch": "official"}})
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(official.as_dict()), encoding="utf-8")
    state = official_state(1, model_config(official, len(read_index(index_dir).classes)))
    torch.save(state, tmp_path / "model.pkl")
    main(["--params", str(params_file), "import-official", str(tmp_path / "model.pkl"), "--out", str(tmp_path / "m"),
          "--index", str(index_dir), "--media", str(media_dir), "--exports", str(tmp_path / "x"),
          "--metrics", str(tmp_path / "metrics")])
    metrics = json.loads((tmp_path / "metrics" / "eval.json").read_text())
    assert {"i2t", "bi_avg", "multi_avg"} <= set(metrics)
    assert (tmp_path / "x" / official.eval.split / "text.npz").exists()
    model, config = load_model(tmp_path / "m")  # our folder, loadable like a trained one
    assert config["model"]["text_branch"] == "official"
    assert torch.equal(model.state_dict()["classifier.weight"], state["module.fc.weight"])
    with pytest.raises(SystemExit):  # params without the official text branch (here: the defaults): exit 2
        main(["--params", str(params_file).replace("params.yaml", "none.yaml"), "import-official", "x.pkl"])

"""The baselines CCL and CM-GANs: each distinguishing mechanism on tiny tensors.

CCL: patches defined per media, the fine-grained code beside the coarse one, the stage-1
and stage-2 terms in their stages, and its losses by hand. CM-GANs: the weight sharing of
the pathways, and the alternating adversarial steps (the discriminator step leaves the
generator unchanged; the generator step raises the discriminator's loss)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from fgcross import MEDIA
from fgcross.config import load_params
from fgcross.errors import ParamsError
from fgcross.losses.ccl import correlation_loss, pairwise_loss, reconstruction_loss
from fgcross.losses.cm_gans import Discriminators, discriminator_loss, generator_loss
from fgcross.losses.objective import TOTAL, ObjectiveInput, build_objective
from fgcross.models.backbones import feature_map
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig
from fgcross.models.patches import patches
from fgcross.presets import apply_preset
from fgcross.training.loop import MEDIA_CODES, Optim, Stage, Trainer
from tests.conftest import REPO, override

CLASSES, SIZE, DIM = 3, 32, 8


def network(method: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(ModelConfig("resnet18", CLASSES, SIZE, 4, "charcnn", True, "paper", method, common_dim=DIM))


def inputs(seed: int = 0, items: int = 4) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    batch = {m: torch.randn(items, 3, SIZE, SIZE, generator=g) for m in ("image", "audio", "video")}
    batch["text"] = torch.randint(1, 60, (items, 40), generator=g)
    return batch, {m: torch.arange(items) % 2 for m in batch}


def method_params(preset: str):
    return apply_preset(load_params(REPO / "params.yaml"), preset, REPO / "presets")


# --- patches, for every media --------------------------------------------------------------------

def test_patches_are_cells_or_character_windows():
    fmap = torch.arange(2 * 3 * 2 * 4, dtype=torch.float32).view(2, 3, 2, 4)  # B, C, h, w
    cells = patches(fmap, columns=False)
    assert cells.shape == (2, 8, 3) and torch.equal(cells[0, 5], fmap[0, :, 1, 1])  # row 1, column 1
    windows = patches(fmap, columns=True)  # text: the height is the 1-D convolution's channels
    assert windows.shape == (2, 4, 3) and torch.equal(windows[1, 2], fmap[1, :, :, 2].mean(1))
    # the coarse instance is the mean of the cells: FGCrossNet's pooled vector
    assert torch.allclose(cells.mean(1), fmap.mean((2, 3)))


def test_feature_map_is_the_backbone_before_its_pool():
    net = network("ccl").eval()
    x = torch.randn(2, 3, 64, 64)
    fmap = feature_map(net.maps.backbone, x)
    assert fmap.shape == (2, 512, 2, 2)
    assert torch.allclose(fmap.mean((2, 3)), net.maps.backbone(x), atol=1e-5)
    assert net.maps.is_character_text("text") and not net.maps.is_character_text("audio")


# --- CCL -----------------------------------------------------------------------------------------

def test_ccl_fine_code_sees_what_the_coarse_instance_averages_away():
    net = network("ccl").eval()
    even = torch.ones(1, 512, 2, 2)
    peaked = torch.zeros(1, 512, 2, 2)
    peaked[..., 0, 0] = 4.0  # the same global mean, all of it in one patch
    a, b = net.encode("image", even), net.encode("image", peaked)
    assert torch.allclose(a["coarse"], b["coarse"]) and torch.allclose(a["coarse_code"], b["coarse_code"])
    assert not torch.allclose(a["code"], b["code"]) and not torch.allclose(a["common"], b["common"])
    # the fine code is a max over patches: the order of the patches does not matter
    shuffled = peaked.flip(-1).flip(-2)
    assert torch.allclose(net.encode("image", shuffled)["code"], b["code"])


def test_ccl_separate_encoders_and_shared_fusion():
    net = network("ccl")
    batch, _ = inputs()
    logits, common, aux = net(batch, return_features=True, return_aux=True)
    common["image"].sum().backward()
    assert net.encoders["image"]["fine"].weight.grad is not None
    assert net.encoders["text"]["fine"].weight.grad is None  # one media's code is its own ...
    assert net.fusion.weight.grad is not None  # ... the fusion layer is everyone's
    assert set(aux["text"]) == {"code", "input", "reconstruction"}
    assert aux["image"]["input"].shape == aux["image"]["reconstruction"].shape


def test_ccl_losses_by_hand():
    # class means as unit vectors: media a class 0 at (0, 2) and (2, 0) -> (1, 1)/sqrt 2; class 1 at (5, 0);
    # media b class 0 at (3, 0) -> (1, 0), class 1 at (0, 5) -> (0, 1)
    codes = {"a": torch.tensor([[0.0, 2.0], [2.0, 0.0], [5.0, 0.0]]), "b": torch.tensor([[3.0, 0.0], [0.0, 5.0]])}
    labels = {"a": torch.tensor([0, 0, 1]), "b": torch.tensor([0, 1])}
    class0 = (1 - 1 / math.sqrt(2)) ** 2 + (1 / math.sqrt(2)) ** 2  # |(1,1)/sqrt2 - (1,0)|^2 = 2 - sqrt 2
    assert correlation_loss(codes, labels).item() == pytest.approx((class0 + 2.0) / 2, abs=1e-6)
    # the scale of the codes does not matter: shrinking them to 0 does not satisfy it
    shrunk = {m: c * 1e-3 for m, c in codes.items()}
    assert correlation_loss(shrunk, labels).item() == pytest.approx(correlation_loss(codes, labels).item(), abs=1e-5)
    assert correlation_loss({"a": codes["a"]}, {"a": labels["a"]}).item() == 0.0
    # pairwise: unit vectors; cross-media pairs only (both orders)
    z = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])  # x (media 0, class 0), y (1, 1), x' (1, 0)
    lab, med = torch.tensor([0, 1, 0]), torch.tensor([0, 1, 1])
    # pairs: (x, y) different classes, d = sqrt 2 > margin 1: 0; (x, x') same class, d = 0: 0
    assert pairwise_loss(z, lab, med, margin=1.0).item() == pytest.approx(0.0, abs=1e-6)
    # margin 2: (x, y) twice, (2 - sqrt 2)^2, over 4 ordered pairs
    assert pairwise_loss(z, lab, med, margin=2.0).item() == pytest.approx(2 * (2 - math.sqrt(2)) ** 2 / 4, abs=1e-5)
    # reconstruction: the target is detached, the reconstruction is not
    target = torch.ones(2, 3, requires_grad=True)
    rec = torch.zeros(2, 3, requires_grad=True)
    loss = reconstruction_loss({"m": {"input": target, "reconstruction": rec}})
    loss.backward()
    assert loss.item() == 1.0 and target.grad is None and rec.grad is not None


def test_ccl_trains_stage_one_and_stage_two_terms_in_their_stages():
    params = method_params("ccl")
    objective = build_objective(params.loss, CLASSES, DIM, len(MEDIA), method="ccl", feature_width=512,
                                media=list(MEDIA))
    stage1, stage2 = Stage("stage1", 1, 1e-3, ranking=False), Stage("stage2", 1, 1e-3, ranking=True)
    assert {"reconstruction", "correlation"} <= set(objective.terms)
    net = network("ccl")
    batch, labels = inputs()
    logits, common, aux = net(batch, return_features=True, return_aux=True)
    inp = ObjectiveInput.build(logits, labels, MEDIA_CODES, common, aux)
    first = objective(inp, skip=stage1.skipped(objective))
    second = objective(inp, skip=stage2.skipped(objective))
    assert set(first) == {"ce", "reconstruction", "correlation", TOTAL}  # separate representation
    assert set(second) == {"ce", "pairwise", TOTAL}  # category and pairwise constraints, balanced


def test_a_method_term_with_another_network_is_one_error():
    params = method_params("ccl")
    with pytest.raises(ParamsError, match="loss.reconstruction_weight is for model.method ccl or cm_gans"):
        build_objective(params.loss, CLASSES, DIM, len(MEDIA), method="fgcrossnet")
    with pytest.raises(ParamsError, match="loss.gan_weight"):
        build_objective(method_params("cm_gans").loss, CLASSES, DIM, len(MEDIA), method="ccl")
    with pytest.raises(ParamsError, match="model.shared"):
        build_model(ModelConfig("resnet18", CLASSES, SIZE, 4, "charcnn", False, "paper", "ccl", common_dim=DIM))


# --- CM-GANs -------------------------------------------------------------------------------------

def test_cm_gans_pathways_share_their_top_encoder_and_first_decoder_layers():
    net = network("cm_gans")
    batch, _ = inputs()
    _, _, aux = net(batch, return_features=True, return_aux=True)
    (aux["image"]["common"].sum() + aux["image"]["reconstruction"].sum()).backward()
    for shared in (net.shared_conv, net.shared_fc, net.shared_decoder):
        assert shared.weight.grad is not None and shared.weight.grad.abs().sum() > 0
    assert net.encoders["image"].weight.grad is not None and net.decoders["image"].weight.grad is not None
    assert net.encoders["audio"].weight.grad is None and net.decoders["audio"].weight.grad is None
    assert aux["audio"]["reconstruction"].shape == aux["audio"]["input"].shape == (4, 512)


def test_cm_gans_generator_loss_by_hand():
    disc = Discriminators(["a", "b"], 2, 3)
    for layer in (disc.intra["a"][2], disc.intra["b"][2], disc.inter[2]):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    aux = {m: {"input": torch.randn(2, 2), "reconstruction": torch.randn(2, 2), "common": torch.randn(2, 3)}
           for m in ("a", "b")}
    # every discriminator undecided: each intra BCE is log 2, the inter cross-entropy to uniform is log 2
    assert generator_loss(disc, aux).item() == pytest.approx(3 * math.log(2), abs=1e-6)
    # intra: real and fake each log 2, for two media; inter: log 2
    assert discriminator_loss(disc, aux).item() == pytest.approx(5 * math.log(2), abs=1e-6)
    assert disc.codes(aux, torch.device("cpu")).tolist() == [0, 0, 1, 1]


def gan_setup() -> tuple[Trainer, ObjectiveInput, dict, dict]:
    params = method_params("cm_gans")
    net = network("cm_gans")
    objective = build_objective(params.loss, CLASSES, DIM, len(MEDIA), method="cm_gans", feature_width=512,
                                media=list(MEDIA))
    trainer = Trainer(net, objective, None, [], Optim("adamw", 0.9, 0.0, "constant", 1, 1.0), torch.device("cpu"),
                      Path("unused.pt"), progress=False)
    batch, labels = inputs()
    return trainer, objective, batch, labels


def outputs(trainer: Trainer, batch: dict, labels: dict) -> ObjectiveInput:
    logits, common, aux = trainer.model(batch, return_features=True, return_aux=True)
    return ObjectiveInput.build(logits, labels, MEDIA_CODES, common, aux)


def test_cm_gans_discriminator_step_leaves_the_generator_unchanged():
    trainer, objective, batch, labels = gan_setup()
    stage = Stage("stage1", 1, 1e-2, ranking=False)
    d_opt = trainer._discriminator_optimizer(stage)
    assert d_opt is not None
    inp = outputs(trainer, batch, labels)
    objective(inp)[TOTAL].backward()  # the generator's backward leaves gradients on the discriminators too
    generator = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    disc = {k: v.clone() for k, v in objective.learnable["discriminators"].state_dict().items()}
    before = objective.discriminator_loss(inp).item()
    trainer._discriminator_step(inp, d_opt)
    assert all(torch.equal(v, trainer.model.state_dict()[k]) for k, v in generator.items())
    after_disc = objective.learnable["discriminators"].state_dict()
    assert any(not torch.equal(v, after_disc[k]) for k, v in disc.items())
    assert objective.discriminator_loss(inp).item() < before  # it learned on that batch
    # the discriminators are not in the generator's optimiser
    opt, _ = trainer._optimizer(stage)
    in_opt = {id(p) for group in opt.param_groups for p in group["params"]}
    assert not in_opt & {id(p) for p in objective.discriminator_parameters()}


def test_cm_gans_generator_step_raises_the_discriminator_loss():
    trainer, objective, batch, labels = gan_setup()
    stage = Stage("stage1", 1, 1e-2, ranking=False)
    d_opt = trainer._discriminator_optimizer(stage)
    trainer.model.eval()  # fixed batch-norm statistics: the change comes from the weights alone
    for _ in range(30):  # a discriminator that tells the media apart (better than chance, log 4)
        trainer._discriminator_step(outputs(trainer, batch, labels), d_opt)
    before = objective.discriminator_loss(outputs(trainer, batch, labels)).item()
    disc = {k: v.clone() for k, v in objective.learnable["discriminators"].state_dict().items()}
    opt = torch.optim.SGD(trainer.model.parameters(), lr=0.05)
    opt.zero_grad()
    objective.term_modules["gan"](outputs(trainer, batch, labels)).backward()  # the generator's adversarial side
    opt.step()
    after = objective.discriminator_loss(outputs(trainer, batch, labels)).item()
    assert all(torch.equal(v, objective.learnable["discriminators"].state_dict()[k]) for k, v in disc.items())
    assert after > before


# --- both, for real ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["ccl", "cm_gans"])
def test_each_baseline_trains_saves_reloads_and_embeds(tmp_path, params, media_dir, index_dir, method):
    from fgcross.embeddings import embed_prepared
    from fgcross.models.saved import load_model
    from fgcross.training.pipeline import train_model

    chosen = apply_preset(params, method, REPO / "presets")
    history = train_model(chosen, media_dir, index_dir, tmp_path / "m", progress=False, state_dir=tmp_path / "s")
    first, last = history[0], history[-1]
    if method == "ccl":  # stage 1: the separate representation's terms; stage 2: the pairwise constraint
        assert first["loss_reconstruction"] > 0 and first["loss_correlation"] >= 0
        assert last["loss_pairwise"] >= 0 and math.isnan(last.get("loss_reconstruction", math.nan))
    else:  # the discriminators trained in alternate steps, outside the total
        assert last["loss_gan"] > 0 and last["loss_discriminator"] > 0
        assert last["loss_total"] == pytest.approx(last["loss_ce"] + last["loss_reconstruction"] + last["loss_gan"],
                                                   rel=1e-5)
    model, config = load_model(tmp_path / "m")
    assert config["model"]["method"] == method and type(model).__name__ == {"ccl": "CCL", "cm_gans": "CMGANs"}[method]
    arrays = embed_prepared(model, config["media"], config["model"]["input_size"], media_dir, "test",
                            torch.device("cpu"), 8)
    for a in arrays.values():
        assert a["features"].shape[1] == len(config["classes"]) and np_allclose_rows(a["features"])


def np_allclose_rows(features) -> bool:
    """Softmax rows: non-negative and summing to 1."""
    import numpy as np

    return bool((features >= 0).all() and np.allclose(features.sum(1), 1.0, atol=1e-5))


class Interrupted(Exception):
    pass


def test_cm_gans_resume_restores_the_discriminators_and_their_optimiser(tmp_path, params, media_dir, index_dir):
    from fgcross.models.checkpoint import load_checkpoint
    from fgcross.training.pipeline import train_model

    chosen = override(apply_preset(params, "cm_gans", REPO / "presets"), {"train": {"stage1": {"epochs": 2}}})
    train_model(chosen, media_dir, index_dir, tmp_path / "a", progress=False, state_dir=tmp_path / "sa")

    def stop_mid_stage(row):  # stage 1 has two epochs: stop after the first, inside the stage
        if row["epoch"] == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_model(chosen, media_dir, index_dir, tmp_path / "b", progress=False, state_dir=tmp_path / "sb",
                    on_epoch=stop_mid_stage)
    (state,) = (tmp_path / "sb").glob("*.pt")
    saved = load_checkpoint(state)
    assert {"discriminators", "discriminator_optimizer"} <= set(saved) and saved["epoch"] == 1
    train_model(chosen, media_dir, index_dir, tmp_path / "b", progress=False, state_dir=tmp_path / "sb")
    a, b = (load_checkpoint(tmp_path / x / "model.pt")["model"] for x in ("a", "b"))
    assert all(torch.equal(a[k], b[k]) for k in a)  # the generator saw the same discriminators

import numpy as np
import pytest
import torch

from fgcross.data.batches import BatchConfig, TrainBatches, eval_batches, shift_text, to_model_input
from fgcross.data.prepared import load_split


@pytest.fixture
def batches(media_dir):
    splits = {m: load_split(media_dir / m, "train") for m in ("image", "text", "audio", "video")}
    return TrainBatches(splits, BatchConfig(classes_per_batch=3, items_per_class=2, input_size=32, seed=5))


def test_every_batch_has_all_media_and_p_by_k(batches):
    batch = batches[0]
    for m in ("image", "text", "audio", "video"):
        labels = batch[f"{m}_labels"].numpy()
        assert len(labels) == 6 and len(set(labels)) == 3
        assert np.all(np.bincount(labels)[np.unique(labels)] == 2)
    assert batch["image"].shape == (6, 32, 32, 3) and batch["image"].dtype == torch.uint8
    assert batch["text"].shape == (6, 48)
    # the same classes in every media: every class has 8 items, quadruplets always exist
    assert len({tuple(sorted(set(batch[f"{m}_labels"].tolist()))) for m in ("image", "text", "audio")}) == 1


def test_batches_depend_only_on_seed_epoch_step(batches):
    a = batches[1]
    batches.set_epoch(3)
    b = batches[1]
    batches.set_epoch(0)
    c = batches[1]
    assert torch.equal(a["image"], c["image"]) and not torch.equal(a["image"], b["image"])


def test_epoch_is_one_pass_over_the_largest_media(batches):
    assert len(batches) == 16 // 6 + 1


def test_text_shift_pads_in_front():
    codes = np.array([[1, 2, 3, 4, 5]], np.uint8)
    rng = np.random.default_rng(0)
    shifted = shift_text(codes, rng, 2)
    s = int((shifted[0] == 0).sum())
    assert shifted[0, s:].tolist() == [1, 2, 3, 4, 5][: 5 - s]


def test_eval_batches_keep_order_and_all_frames(media_dir):
    split = load_split(media_dir / "video", "test")
    rows, batch = next(eval_batches(split, 32, 3))
    assert rows.tolist() == [0, 1, 2] and batch.shape == (3 * 2, 32, 32, 3)


def test_model_input_is_normalised_float():
    x = to_model_input("image", torch.full((2, 8, 8, 3), 124, dtype=torch.uint8), torch.device("cpu"))
    assert x.shape == (2, 3, 8, 8) and x.dtype == torch.float32 and abs(float(x[0, 0].mean())) < 0.1
    assert to_model_input("text", torch.zeros(2, 5, dtype=torch.uint8), torch.device("cpu")).dtype == torch.long


def test_an_absent_media_gets_a_folder_that_says_so(tmp_path, index_dir):
    from fgcross.data.index_files import read_index
    from fgcross.data.prepared import is_present, prepare_media

    index = read_index(index_dir)
    index = type(index)(index.root, index.manifest[index.manifest["media"] != "audio"], index.classes)
    prepare_media(index, "audio", tmp_path / "audio", lambda f: None, {}, progress=False)
    assert not is_present(tmp_path / "audio")
    with pytest.raises(FileNotFoundError, match="absent"):
        load_split(tmp_path / "audio", "train")

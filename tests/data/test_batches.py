import numpy as np
import pytest
import torch

from fgcross.data.batches import (
    BatchConfig,
    SequentialBatches,
    TrainBatches,
    eval_batches,
    make_batches,
    shift_text,
    to_model_input,
)
from fgcross.data.prepared import load_split


SHIFTS = tuple(range(9))


def _splits(media_dir):
    return {m: load_split(media_dir / m, "train") for m in ("image", "text", "audio", "video")}


def _cfg(**kw):
    return BatchConfig(**{"classes_per_batch": 3, "items_per_class": 2, "input_size": 32, "seed": 5,
                          "text_shifts": SHIFTS, "augment": True, **kw})


@pytest.fixture
def batches(media_dir):
    return TrainBatches(_splits(media_dir), _cfg())


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
    shifted = shift_text(codes, rng, (0, 1, 2))
    s = int((shifted[0] == 0).sum())
    assert shifted[0, s:].tolist() == [1, 2, 3, 4, 5][: 5 - s]


def test_text_shifts_come_from_the_set_and_the_default_draws_as_before():
    codes = np.arange(1, 41, dtype=np.uint8).reshape(1, 40).repeat(200, 0)
    official = shift_text(codes, np.random.default_rng(1), (0, 2, 4, 6, 8))
    assert set((official == 0).sum(1).tolist()) == {0, 2, 4, 6, 8}
    # shifts 0..8 draw exactly what integers(0, 9) drew before the set existed
    before = np.random.default_rng(2).integers(0, 9, size=200)
    assert (shift_text(codes, np.random.default_rng(2), SHIFTS) == 0).sum(1).tolist() == before.tolist()


def test_without_augmentation_training_pictures_are_centre_crops(media_dir):
    splits = _splits(media_dir)
    plain = TrainBatches(splits, _cfg(augment=False))
    batch = plain[0]
    stored = splits["image"].data
    rows = [int(np.flatnonzero(splits["image"].labels == y)[0]) for y in batch["image_labels"][:1].tolist()]
    h = stored.shape[1]
    top = (h - 32) // 2
    centre = {stored[r, top:top + 32, top:top + 32].tobytes() for r in np.flatnonzero(
        splits["image"].labels == int(batch["image_labels"][0]))}
    assert rows and batch["image"][0].numpy().tobytes() in centre  # a centre crop, never flipped


def test_sequential_batches_are_the_official_zipped_loaders(media_dir):
    splits = _splits(media_dir)
    seq = make_batches(splits, _cfg(classes_per_batch=2, items_per_class=2, augment=False), "sequential")
    assert isinstance(seq, SequentialBatches)
    per_media = 4
    assert len(seq) == min(-(-len(s.labels) // per_media) for s in splits.values())
    for step in (0, 1, len(seq) - 1):
        batch = seq[step]
        for m, split in splits.items():
            want = split.labels[step * per_media:(step + 1) * per_media]
            assert batch[f"{m}_labels"].tolist() == want.tolist()  # list order, unshuffled
    seq.set_epoch(5)
    assert torch.equal(seq[1]["image"], make_batches(splits, _cfg(classes_per_batch=2, items_per_class=2,
                                                                   augment=False), "sequential")[1]["image"])
    with pytest.raises(ValueError, match="sampler"):
        make_batches(splits, _cfg(), "shuffled")


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
    from fgcross.data.prepared import StoreSettings, is_present, prepare_media

    index = read_index(index_dir)
    index = type(index)(index.root, index.manifest[index.manifest["media"] != "audio"], index.classes)
    prepare_media(index, "audio", tmp_path / "audio", lambda f: None, {}, StoreSettings(90, 8), progress=False)
    assert not is_present(tmp_path / "audio")
    with pytest.raises(FileNotFoundError, match="absent"):
        load_split(tmp_path / "audio", "train")

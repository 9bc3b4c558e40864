"""Sharded, pooled and one-process preparation give byte-identical folders."""

import filecmp
from dataclasses import replace

import numpy as np
import pytest

from fgcross.data.index_files import read_index
from fgcross.data.prepared import (
    PreparationError,
    load_extra,
    load_split,
    merge_prepared,
    prepare_media,
    shard_rows,
)
from fgcross.io import read_json
from fgcross.media.converters import converter, extras
from fgcross.params import section_dict


def _same_folders(a, b):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_shard_rows_cover_every_row_once():
    parts = [shard_rows(10, i, 3).tolist() for i in range(3)]
    assert sum(parts, []) == list(range(10))
    assert shard_rows(2, 3, 4).tolist() == []  # more shards than items: some are empty
    with pytest.raises(PreparationError):
        shard_rows(10, 3, 3)


@pytest.mark.parametrize("media,section", [("video", "frames"), ("audio", "spectrogram")])
def test_shards_merged_equal_one_command_and_a_process_pool(tmp_path, index_dir, params, media, section):
    index = read_index(index_dir)
    convert, info, side = converter(media, params.section(section)), section_dict(params.section(section)), extras(media)
    prepare_media(index, media, tmp_path / "one", convert, info, progress=False, extras=side)
    prepare_media(index, media, tmp_path / "pool", convert, info, progress=False, processes=2, extras=side)
    shards = 3
    for i in range(shards):
        prepare_media(index, media, tmp_path / f"shard{i}", convert, info, progress=False, shard=i,
                      shards=shards, extras=side)
    assert read_index(index_dir).items(media, "test").shape[0] > 0
    merge_prepared([tmp_path / f"shard{i}" for i in (2, 0, 1)], tmp_path / "merged")  # any order
    _same_folders(tmp_path / "one", tmp_path / "pool")
    _same_folders(tmp_path / "one", tmp_path / "merged")
    assert "shard" in read_json(tmp_path / "shard0" / "meta.json")
    split = load_split(tmp_path / "merged", "train")
    assert isinstance(split.data, np.memmap) and len(split.ids) == len(split.data)
    if media == "video":
        preview = load_extra(tmp_path / "merged", "train", "preview")
        assert preview.shape[0] == len(split.ids) and preview.shape[1] == 48


def test_merge_refuses_incomplete_or_mixed_shards(tmp_path, index_dir, params):
    index = read_index(index_dir)
    s = params.images
    for i in range(2):
        prepare_media(index, "image", tmp_path / f"a{i}", converter("image", s), section_dict(s), progress=False,
                      shard=i, shards=2)
    other = replace(s, size=s.size + 4)
    prepare_media(index, "image", tmp_path / "b1", converter("image", other), section_dict(other), progress=False,
                  shard=1, shards=2)
    with pytest.raises(PreparationError, match="complete set"):
        merge_prepared([tmp_path / "a0"], tmp_path / "out")
    with pytest.raises(PreparationError, match="differs"):
        merge_prepared([tmp_path / "a0", tmp_path / "b1"], tmp_path / "out")
    with pytest.raises(PreparationError, match="not a shard folder"):
        prepare_media(index, "image", tmp_path / "whole", converter("image", s), section_dict(s), progress=False)
        merge_prepared([tmp_path / "whole"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_bad_file_in_a_worker_process_names_the_file(tmp_path, index_dir, params):
    index = read_index(index_dir)
    victim = index.root / index.items("image", "test")["path"].iloc[1]
    original = victim.read_bytes()
    try:
        victim.write_bytes(b"not an image")
        with pytest.raises(PreparationError, match=victim.name):
            prepare_media(index, "image", tmp_path / "out", converter("image", params.images), {},
                          progress=False, processes=2)
    finally:
        victim.write_bytes(original)
    assert not (tmp_path / "out").exists()  # nothing half-written

"""The store of prepared media: one command, a process pool and shard jobs give byte-identical
folders; items read back as they were prepared; damage and interruptions are named, never used."""

import filecmp
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import replace

import numpy as np
import pytest

from fgcross.data.index_files import read_index
from fgcross.data.prepared import (
    PreparationError,
    StoreError,
    StoreSettings,
    finish_prepared,
    load_extra,
    load_split,
    prepare_media,
)
from fgcross.data.store.catalog import verify
from fgcross.data.store.codec import JPEG_DECODERS
from fgcross.data.store.plan import job_shards, plan_shards
from fgcross.io import read_json, write_json
from fgcross.media.converters import converter, extras
from fgcross.params import section_dict
from tests.conftest import REPO

SMALL = StoreSettings(jpeg_quality=90, shard_items=7)  # several shards per split on the tiny set


def _same_folders(a, b):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def _prepare(index, params, media, section, out, **kw):
    s = params.section(section)
    return prepare_media(index, media, out, converter(media, s), section_dict(s), kw.pop("settings", SMALL),
                         progress=False, extras=extras(media), **kw)


def test_the_plan_covers_every_row_once_and_jobs_share_it():
    plan = plan_shards({"train": 10, "test": 0, "x": 3}, 4)
    assert [(p.split, p.first, p.count) for p in plan] == [("train", 0, 4), ("train", 4, 4), ("train", 8, 2),
                                                           ("x", 0, 3)]
    assert sorted(sum((job_shards(plan, j, 3) for j in range(3)), []), key=plan.index) == plan
    with pytest.raises(PreparationError):
        job_shards(plan, 3, 3)


@pytest.mark.parametrize("media,section", [("video", "frames"), ("audio", "spectrogram"), ("text", "text")])
def test_shard_jobs_equal_one_command_and_a_process_pool(tmp_path, index_dir, params, media, section):
    index = read_index(index_dir)
    _prepare(index, params, media, section, tmp_path / "one")
    _prepare(index, params, media, section, tmp_path / "pool", processes=2)
    parts = []
    for j in (2, 0, 1):  # shard jobs in any order, all writing in place into one folder
        parts.append(tmp_path / f"part{j}.json")
        _prepare(index, params, media, section, tmp_path / "jobs", job=j, jobs=3, part=parts[-1])
    assert not (tmp_path / "jobs" / "meta.json").exists()  # not complete before the finishing job
    s = params.section(section)
    finish_prepared(index, media, tmp_path / "jobs", parts, section_dict(s), SMALL, extras(media))
    _same_folders(tmp_path / "one", tmp_path / "pool")
    _same_folders(tmp_path / "one", tmp_path / "jobs")
    assert len(list((tmp_path / "one").glob("train-*.tar"))) > 1
    assert verify(tmp_path / "one") == len(list((tmp_path / "one").glob("*.tar")))


def test_items_read_back_as_prepared(tmp_path, index_dir, params):
    """Lossless media exactly, JPEG media close; rows, fancy rows, one frame, the preview side array."""
    index = read_index(index_dir)
    for media, section in (("audio", "spectrogram"), ("text", "text"), ("video", "frames"), ("image", "images")):
        _prepare(index, params, media, section, tmp_path / media)
        split = load_split(tmp_path / media, "test")
        rows = index.items(media, "test").reset_index(drop=True)
        convert = converter(media, params.section(section))
        assert len(split.data) == len(split.ids) == len(rows) and split.ids == rows["id"].astype(str).tolist()
        for row in (0, len(rows) - 1):
            want = convert(index.root / rows["path"][row])
            got = split.data[row]
            assert got.shape == want.shape == split.data.shape[1:] and got.dtype == want.dtype
            if media in ("audio", "text"):
                assert np.array_equal(got, want), media
            else:
                assert np.abs(got.astype(int) - want).mean() < 3, media
        assert np.array_equal(split.data[[2, 0]], np.stack([split.data[2], split.data[0]]))
        assert split.data[1:3].shape == (2, *split.data.shape[1:])
    video = load_split(tmp_path / "video", "test")
    assert np.array_equal(video.data[3, 1], video.data[3][1])
    preview = load_extra(tmp_path / "video", "test", "preview")
    assert preview.shape[0] == len(video.ids) and preview[0].shape == preview.shape[1:] and preview.shape[1] == 48


def test_shards_are_plain_webdataset_tars(tmp_path, index_dir, params):
    """Readable by tarfile (and `tar`) without our code: fixed headers, keys grouping members."""
    index = read_index(index_dir)
    _prepare(index, params, "video", "frames", tmp_path / "video")
    shard = tmp_path / "video" / "train-000001.tar"
    with tarfile.open(shard) as tar:
        members = tar.getmembers()
        assert all(m.mtime == 0 and m.uid == 0 and m.uname == "" for m in members)
        names = [m.name for m in members]
        first = names[0].split(".")[0]
        assert first == "00000007" and f"{first}.f000.jpg" in names and f"{first}.preview.jpg" in names
        info = json.loads(tar.extractfile(f"{first}.json").read())
        assert info["id"] == load_split(tmp_path / "video", "train").ids[7]
        assert int(tar.extractfile(f"{first}.cls").read()) == info["label"]
    listing = subprocess.run(["tar", "tf", str(shard)], capture_output=True, text=True, check=True).stdout.split()
    assert listing == names
    wids = read_json(tmp_path / "video" / "train.wids.json")
    assert wids["__kind__"] == "wids-shard-index-v1" and sum(s["nsamples"] for s in wids["shardlist"]) == len(
        load_split(tmp_path / "video", "train").ids)


@pytest.mark.parametrize("decoder", sorted(JPEG_DECODERS))
def test_every_decoder_gives_the_same_pixels(tmp_path_factory, index_dir, params, decoder):
    folder = tmp_path_factory.getbasetemp() / "decoders" / "image"
    if not (folder / "meta.json").exists():
        _prepare(read_index(index_dir), params, "image", "images", folder)
    chosen = load_split(folder, "test", decoder=decoder).data[[0, 5]]
    assert np.array_equal(chosen, load_split(folder, "test").data[[0, 5]])
    with pytest.raises(ValueError, match="unknown JPEG decoder"):
        load_split(folder, "test", decoder="nope")


def test_a_corrupt_or_truncated_shard_is_named(tmp_path, index_dir, params):
    index = read_index(index_dir)
    folder = tmp_path / "image"
    _prepare(index, params, "image", "images", folder)
    shard = folder / "train-000000.tar"
    data = bytearray(shard.read_bytes())
    offset = int(np.load(folder / "train.members.npy")[2, 0, 0])
    data[offset + 40] ^= 0xFF  # one flipped byte inside item 2's JPEG
    shard.write_bytes(bytes(data))
    split = load_split(folder, "train")
    split.data[1]  # other items still read
    with pytest.raises(StoreError, match="train-000000.tar.*crc32"):
        split.data[2]
    with pytest.raises(StoreError, match="train-000000.tar: sha256"):
        verify(folder)
    shard.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(StoreError, match="train-000000.tar: shard is .* bytes, meta.json says"):
        load_split(folder, "train")


def test_a_killed_preparation_leaves_nothing_complete_and_the_rerun_is_identical(tmp_path, index_dir, params):
    index = read_index(index_dir)
    _prepare(index, params, "video", "frames", tmp_path / "whole")
    out = tmp_path / "killed"
    _prepare(index, params, "video", "frames", out)  # an earlier complete store, then a run killed midway
    script = ("import sys, time\nfrom fgcross.data.store import writer\nreal = writer.write_shard\n"
              "def slow(task):\n    time.sleep(0.3)\n    return real(task)\nwriter.write_shard = slow\n"
              "import fgcross.data.prepared as p\np.write_shard = slow\nfrom steps.frames import main\n"
              "main(sys.argv[1:])\n")
    params_file = tmp_path / "params.yaml"
    plain = params.as_dict()
    plain["prepare"].update(shard_items=SMALL.shard_items, jpeg_quality=SMALL.jpeg_quality)
    write_json(params_file, plain)  # JSON is YAML
    proc = subprocess.Popen([sys.executable, "-c", script, "--params", str(params_file), "--index", str(index_dir),
                             "--out", str(out), "--processes", "1", "--quiet"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.time() + 120
    while (out / "meta.json").exists() and time.time() < deadline:  # the run starts by removing it
        time.sleep(0.02)
    time.sleep(1.0)  # some shards written, others not (each takes over 0.3 s)
    assert proc.poll() is None, "the preparation ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "meta.json").exists()
    with pytest.raises(StoreError, match="not a complete prepared store"):
        load_split(out, "train")
    _prepare(index, params, "video", "frames", out)
    _same_folders(tmp_path / "whole", out)


def test_old_format_folders_ask_for_a_new_preparation(tmp_path):
    old = tmp_path / "image"
    old.mkdir()
    np.save(old / "train.npy", np.zeros((2, 4, 4, 3), np.uint8))
    write_json(old / "meta.json", {"media": "image", "present": True, "info": {}, "splits": {}, "extras": []})
    with pytest.raises(StoreError, match="old uint8 .npy format.*run preparation again"):
        load_split(old, "train")


def test_shard_jobs_of_different_runs_are_refused(tmp_path, index_dir, params):
    index = read_index(index_dir)
    s = params.images
    _prepare(index, params, "image", "images", tmp_path / "out", job=0, jobs=2, part=tmp_path / "a0.json")
    other = replace(SMALL, jpeg_quality=80)
    _prepare(index, params, "image", "images", tmp_path / "out", job=1, jobs=2, part=tmp_path / "b1.json",
             settings=other)
    with pytest.raises(PreparationError, match="complete set"):
        finish_prepared(index, "image", tmp_path / "out", [tmp_path / "a0.json"], section_dict(s), SMALL)
    with pytest.raises(PreparationError, match="other settings"):
        finish_prepared(index, "image", tmp_path / "out", [tmp_path / "a0.json", tmp_path / "b1.json"],
                        section_dict(s), SMALL)
    assert not (tmp_path / "out" / "meta.json").exists()


def test_a_bad_file_in_a_worker_process_names_the_file(tmp_path, index_dir, params):
    index = read_index(index_dir)
    victim = index.root / index.items("image", "test")["path"].iloc[1]
    original = victim.read_bytes()
    try:
        victim.write_bytes(b"not an image")
        with pytest.raises(PreparationError, match=victim.name):
            prepare_media(index, "image", tmp_path / "out", converter("image", params.images), {}, SMALL,
                          progress=False, processes=2)
    finally:
        victim.write_bytes(original)
    assert not (tmp_path / "out" / "meta.json").exists()  # nothing taken as complete
    assert not list((tmp_path / "out").glob(".*tmp*"))  # no temporary shard left by the failed one


def test_a_source_pickles_for_loader_workers(tmp_path, index_dir, params):
    import pickle

    _prepare(read_index(index_dir), params, "image", "images", tmp_path / "image")
    split = load_split(tmp_path / "image", "train")
    split.data[0]
    copy = pickle.loads(pickle.dumps(split.data))
    assert np.array_equal(copy[4], split.data[4])


def test_a_query_is_stored_as_the_training_items_were(tmp_path, index_dir, params):
    """Search prepares a query file with as_stored: the same pixels as the store gives back for that file."""
    from fgcross.data.store.codec import as_stored

    index = read_index(index_dir)
    for media, section in (("image", "images"), ("video", "frames"), ("audio", "spectrogram")):
        _prepare(index, params, media, section, tmp_path / media)
        path = index.root / index.items(media, "train")["path"].iloc[3]
        query = as_stored(media, converter(media, params.section(section))(path), SMALL.jpeg_quality)
        assert np.array_equal(query, load_split(tmp_path / media, "train").data[3]), media

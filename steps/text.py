"""Encode each text as the paper's character codes (build/media/text/)."""

from __future__ import annotations

from fgcross.media.text import load_text_codes
from steps._prepare import bind, prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("text", "text", "text", __doc__, lambda s: bind(load_text_codes, length=s["length"]), argv)


if __name__ == "__main__":
    main()

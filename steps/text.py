"""Encode each text as character codes (charcnn) or rasterise it to a picture (glyph) (build/media/text/)."""

from __future__ import annotations

from steps._prepare import prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("text", __doc__, argv)


if __name__ == "__main__":
    main()

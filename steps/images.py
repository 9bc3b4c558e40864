"""Decode, fit and store every image once as uint8 (build/media/image/)."""

from __future__ import annotations

from steps._prepare import prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("images", __doc__, argv)


if __name__ == "__main__":
    main()

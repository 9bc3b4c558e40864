"""Sample frames.per_video frames uniformly over each video's duration, with a preview strip
per video (build/media/video/)."""

from __future__ import annotations

from steps._prepare import prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("frames", __doc__, argv)


if __name__ == "__main__":
    main()

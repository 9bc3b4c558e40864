"""Sample frames.per_video frames uniformly from each video and store them (build/media/video/)."""

from __future__ import annotations

from fgcross.media.video import sample_frames
from steps._prepare import bind, prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("frames", "video", "frames", __doc__,
                 lambda s: bind(sample_frames, n=s["per_video"], size=s["size"]), argv)


if __name__ == "__main__":
    main()

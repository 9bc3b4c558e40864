"""Render each recording's dB spectrogram (STFT or mel) as an image array (build/media/audio/)."""

from __future__ import annotations

from steps._prepare import prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("spectrogram", __doc__, argv)


if __name__ == "__main__":
    main()

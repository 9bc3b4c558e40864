"""Render each recording's dB spectrogram as an image array (build/media/audio/)."""

from __future__ import annotations

from fgcross.media.audio import load_spectrogram
from steps._prepare import bind, prepare_main


def main(argv: list[str] | None = None) -> None:
    prepare_main("spectrograms", "audio", "spectrogram", __doc__,
                 lambda s: bind(load_spectrogram, sample_rate=s.get("sample_rate"), n_fft=s["n_fft"],
                                hop_length=s["hop_length"], top_db=s["top_db"], size=s["size"]), argv)


if __name__ == "__main__":
    main()

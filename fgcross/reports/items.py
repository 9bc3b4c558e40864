"""Dataset items as small self-contained HTML blocks: what the reports show of each media.

An image is a thumbnail, a video the strip of its sampled frames, an audio recording its
spectrogram with an <audio> player (a short WAV clip embedded as a data URI), a text its
first characters. Everything is embedded, so a report opens from the file system with no
network and can be mailed as one file. Everything that comes from a dataset (class names,
ids, text) is HTML-escaped here: a text item containing `<script>` is shown, never run.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from fgcross.data.index_files import Index
from fgcross.data.layout import IMAGE_EXTENSIONS
from fgcross.data.prepared import PreparedSplit, load_extra, load_split

THUMBNAIL = 128  # longest side of an embedded picture, in pixels: small pages, sharp enough to judge a bird


def png_bytes(pixels: np.ndarray, max_side: int = THUMBNAIL * 4) -> bytes:
    """uint8 RGB [H, W, 3] (or frames [F, H, W, 3], joined side by side) as PNG bytes, shrunk
    so that its height stays within THUMBNAIL and its width within max_side."""
    import cv2

    if pixels.ndim == 4:
        pixels = np.concatenate(list(pixels), axis=1)
    pixels = np.ascontiguousarray(pixels)
    scale = min(1.0, THUMBNAIL / pixels.shape[0], max_side / pixels.shape[1])
    if scale < 1.0:
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode a picture as PNG")
    return buf.tobytes()


def png_data_uri(pixels: np.ndarray, max_side: int = THUMBNAIL * 4) -> str:
    """png_bytes as an embeddable data URI."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels, max_side)).decode()


def wav_bytes(path: str | Path, seconds: float = 3.0, sample_rate: int = 11025) -> bytes | None:
    """The first `seconds` of a recording as 16-bit mono WAV bytes; None for an entry that is
    a picture (a pre-rendered spectrogram has no sound to play)."""
    import librosa
    import soundfile

    if Path(path).suffix.lower() in IMAGE_EXTENSIONS:
        return None
    wave, rate = librosa.load(str(path), sr=sample_rate, mono=True, duration=seconds)
    buf = io.BytesIO()
    soundfile.write(buf, wave, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def wav_data_uri(path: str | Path, seconds: float = 3.0, sample_rate: int = 11025) -> str | None:
    """wav_bytes as an embeddable data URI (None for a picture entry)."""
    sound = wav_bytes(path, seconds, sample_rate)
    return None if sound is None else "data:audio/wav;base64," + base64.b64encode(sound).decode()


def figure_html(fig, dpi: int = 90) -> str:
    """A matplotlib figure as an embedded PNG <img> (closes the figure)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="figure" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


ITEM_CSS = """
<style>
.row{display:flex;gap:6px;align-items:flex-start;margin:6px 0 14px 0;flex-wrap:wrap}
.item{border:3px solid #ccc;padding:3px;min-width:132px;max-width:420px;font:11px sans-serif;overflow:hidden}
.item img{display:block;max-height:128px}
.item audio{width:200px;height:28px;display:block}
.item.ok{border-color:#2a2}.item.no{border-color:#c33}.item.query{border-color:#36c}
.txt{white-space:pre-wrap;max-height:128px;max-width:260px;overflow:auto}
.media{color:#666;font-weight:bold}.cls{color:#333}.score{color:#666;float:right}
.absent{color:#999;font-style:italic;padding:40px 10px}
</style>
"""


class ItemRenderer:
    """Renders items of one split of the prepared media as HTML blocks."""

    def __init__(self, index: Index, media_dir: str | Path, split: str, audio_seconds: float = 3.0,
                 audio_rate: int = 11025) -> None:
        self.index, self.split = index, split
        self.audio_seconds, self.audio_rate = audio_seconds, audio_rate
        self.prepared: dict[str, PreparedSplit] = {m: load_split(Path(media_dir) / m, split) for m in index.media}
        self.row_of = {m: {i: r for r, i in enumerate(p.ids)} for m, p in self.prepared.items()}
        self.path_of = dict(zip(index.manifest["id"], index.manifest["path"], strict=True))
        previews = Path(media_dir) / "video" / f"{split}.preview.npy"
        self.previews = load_extra(Path(media_dir) / "video", split, "preview") if previews.exists() else None

    def file(self, item_id: str) -> Path:
        """The item's file: the manifest's path under the dataset root (checked by the index stage)."""
        return self.index.root / self.path_of[item_id]

    def body(self, media: str, item_id: str) -> str:
        """The item itself, without frame or caption."""
        row = self.row_of[media][item_id]
        if media == "text":
            text = self.file(item_id).read_text(encoding="utf-8", errors="replace")
            return f'<div class="txt">{html.escape(text[:300])}{"…" if len(text) > 300 else ""}</div>'
        if media == "video" and self.previews is not None:
            pixels = np.asarray(self.previews[row])
        else:
            pixels = np.asarray(self.prepared[media].data[row])
        picture = f'<img src="{png_data_uri(pixels)}" alt="{html.escape(item_id)}" title="{html.escape(item_id)}">'
        if media == "audio":
            sound = wav_data_uri(self.file(item_id), self.audio_seconds, self.audio_rate)
            if sound is not None:
                picture += f'<audio controls preload="none" src="{sound}"></audio>'
        return picture

    def html(self, media: str, item_id: str, correct: bool | None = None, query: bool = False,
             score: float | None = None) -> str:
        """correct: True/False frames the item green/red; query frames it blue."""
        label = int(self.prepared[media].labels[self.row_of[media][item_id]])
        mark = "query" if query else ("" if correct is None else ("ok" if correct else "no"))
        shown = f'<span class="score">{score:.3f}</span>' if score is not None else ""
        name = html.escape(self.index.classes[label])
        return (f'<div class="item {mark}"><div class="media">{media}{shown}</div>{self.body(media, item_id)}'
                f'<div class="cls">{name}</div></div>')

"""Dataset items as small self-contained HTML blocks: what the reports show of each media.

An image is a thumbnail, a video the strip of its sampled frames, an audio recording its
spectrogram with an <audio> player (a short WAV clip embedded as a data URI), a text its
first characters. Everything is embedded, so a report opens from the file system with no
network and can be mailed as one file. The pictures, clips and escaped HTML pieces come
from fgcross.media.preview, which search uses too; this module frames them for a report
(the item's media, class and score, a green, red or blue border).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from fgcross.data.index_files import Index
from fgcross.data.prepared import PreparedSplit, has_extra, load_extra, load_split
from fgcross.media.kinds import KINDS
from fgcross.media.preview import (
    picture_html,
    png_data_uri,
    read_item_text,
    shown_pixels,
    sound_html,
    text_html,
    wav_data_uri,
)

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
        self.previews = {m: load_extra(Path(media_dir) / m, split, "preview") for m in index.media
                         if KINDS[m].frames and has_extra(Path(media_dir) / m, "preview")}  # a video's strip

    def file(self, item_id: str) -> Path:
        """The item's file: the manifest's path under the dataset root (checked by the index stage)."""
        return self.index.root / self.path_of[item_id]

    def body(self, media: str, item_id: str) -> str:
        """The item itself, without frame or caption."""
        row = self.row_of[media][item_id]
        kind = KINDS[media]
        if kind.shown_as_text:
            return text_html(read_item_text(self.file(item_id)))
        if media in self.previews:
            pixels = np.asarray(self.previews[media][row])
        else:
            pixels = shown_pixels(self.prepared[media].data[row], self.file(item_id))
        picture = picture_html(png_data_uri(pixels), item_id, title=item_id)
        if kind.sound:
            sound = wav_data_uri(self.file(item_id), self.audio_seconds, self.audio_rate)
            if sound is not None:
                picture += sound_html(sound)
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

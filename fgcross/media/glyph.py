"""Text as a picture (`text.encoder: glyph`): the text rasterised with a font and read by
the shared CNN like any other image, instead of the paper's char-CNN branch.

The font is DejaVu Sans, which ships inside matplotlib (a dependency), so every machine
renders the same pixels. The text is word-wrapped to the image width at the largest font
size (from `max_font` down to `min_font` pixels) at which every line fits; a text too long
even at `min_font` is cut after the last line that fits. Black text on white, left-aligned,
repeated to three channels.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fgcross.media.text import read_text

MARGIN = 2  # pixels of white around the text


def font_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@lru_cache(maxsize=64)
def _font(pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), pixels)


def wrap(words: list[str], font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap to `width` pixels; a word wider than the line gets a line of its own."""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def layout(text: str, size: int, min_font: int = 6, max_font: int | None = None) -> tuple[int, list[str]]:
    """(font pixels, lines) of the largest font at which the wrapped text fits the square."""
    words = text.split()
    inner = size - 2 * MARGIN
    for pixels in range(max_font or max(min_font, size // 6), min_font - 1, -1):
        font = _font(pixels)
        lines = wrap(words, font, inner)
        line_height = pixels * 1.15
        if len(lines) * line_height <= inner and all(font.getlength(s) <= inner for s in lines):
            return pixels, lines
    lines = wrap(words, _font(min_font), inner)
    return min_font, lines[: max(1, int(inner // (min_font * 1.15)))]


def render_glyphs(text: str, size: int, min_font: int = 6) -> np.ndarray:
    """uint8 RGB [size, size, 3] picture of the text."""
    pixels, lines = layout(text, size, min_font)
    canvas = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(canvas)
    font = _font(pixels)
    for n, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + n * pixels * 1.15), line, fill=0, font=font)
    grey = np.asarray(canvas, dtype=np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def load_text_glyphs(path: str | Path, size: int, min_font: int = 6) -> np.ndarray:
    return render_glyphs(read_text(path), size, min_font)

"""The one table of file extensions, and the item pieces both reports and search show."""

from __future__ import annotations

import pytest

from fgcross import MEDIA
from fgcross.media.kinds import EXTENSIONS, IMAGE_EXTENSIONS, QUERY_MEDIA, is_picture
from fgcross.media.preview import SNIPPET, data_uri, picture_html, sound_html, text_html


def test_every_media_has_its_extensions_and_a_query_is_a_dataset_file():
    assert set(EXTENSIONS) == set(MEDIA)
    assert all(ext == ext.lower() for exts in EXTENSIONS.values() for ext in exts)
    for ext, media in QUERY_MEDIA.items():
        assert ext in EXTENSIONS[media], ext
    # a picture is an image query, though an audio list may name a rendered spectrogram
    assert {QUERY_MEDIA[ext] for ext in IMAGE_EXTENSIONS} == {"image"}
    assert set(IMAGE_EXTENSIONS) <= set(EXTENSIONS["audio"])


@pytest.mark.parametrize(("name", "picture"), [("a.JPG", True), ("a.png", True), ("dir/a.bmp", True),
                                               ("a.wav", False), ("a.mp4", False), ("frames", False)])
def test_pictures_are_told_by_their_suffix(name, picture):
    assert is_picture(name) is picture


def test_dataset_text_is_escaped_and_long_text_cut():
    hostile = '<script>alert("x")</script>'
    assert "<script>" not in text_html(hostile) and "&lt;script&gt;" in text_html(hostile)
    long = "a" * (SNIPPET + 1)
    assert text_html(long).endswith("…</div>") and not text_html(long[:SNIPPET]).endswith("…</div>")
    img = picture_html("data:image/png;base64,AAAA", '" onerror="x', title="<b>")
    assert 'onerror="x' not in img and 'title="&lt;b&gt;"' in img
    assert sound_html(data_uri(b"RIFF", "audio/wav")) == (
        '<audio controls preload="none" src="data:audio/wav;base64,UklGRg=="></audio>')

"""Images nobody vouches for (renderers.imaging): the size is read from the header, a bomb
is refused before a pixel is decoded (and never reaches Pillow's own error or warning,
which pytest would turn into a failure), and a report with one names the photo."""

from __future__ import annotations

import io

import pytest

from renderers import imaging
from renderers.pdf import ReportError, render_report, sample_attachments
from renderers.preview import demo_context

from tests.images import png_claiming

PHOTO_ID = "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"


def test_the_header_says_the_size_without_decoding():
    assert imaging.header(png_claiming(30000, 30000)) == ("PNG", 30000, 30000)


@pytest.mark.parametrize("side", [30000, 10000])  # above Pillow's error threshold, and between its warning and error ones
def test_a_bomb_is_refused_before_decoding(side):
    with pytest.raises(imaging.ImageRefused) as refused:
        imaging.open_image(png_claiming(side, side))
    assert refused.value.code == "too_many_pixels" and refused.value.details["width"] == side


def test_what_is_not_an_image_is_said_so():
    with pytest.raises(imaging.ImageRefused, match="not an image") as refused:
        imaging.header(b"GIF89a" + b"\0" * 40)
    assert refused.value.code == "not_image"


def test_reencode_bounds_orients_and_strips():
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to display
    buf = io.BytesIO()
    Image.new("RGB", (6000, 3000), (10, 120, 200)).save(buf, "JPEG", exif=exif.tobytes(), comment=b"secret")
    kept = imaging.reencode(buf.getvalue())
    assert (kept.content_type, kept.width, kept.height) == ("image/jpeg", 1280, 2560)
    with Image.open(io.BytesIO(kept.data)) as im:
        assert not im.getexif() and "comment" not in im.info


def test_a_report_with_a_bomb_names_the_photo(sink, sink_answers):
    atts = sample_attachments(sink, sink_answers)
    atts[PHOTO_ID] = png_claiming(30000, 30000)
    with pytest.raises(ReportError, match=r"Photos \(/photos\): photo 3f1c9a2e.*30000 × 30000 pixels"):
        render_report(sink, sink_answers, demo_context(), attachments=atts)

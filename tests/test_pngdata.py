"""Charts as RGB PNGs, their compressed rows taken into the PDF as they are
(nianbao.pngdata), and the page's inline images served to WeasyPrint by name
(nianbao.printpage.served_images).

The unit tests build PNGs with Pillow and damage them byte by byte; the PDF
tests lay out real pages with WeasyPrint and read the images back with pikepdf.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from nianbao import charts
from nianbao import printpage as PP
from nianbao.pngdata import pdf_rows


def png(mode: str, size=(7, 5), seed=0, **save) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], len(mode)), dtype=np.uint8)
    image = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode if mode != "RGBA" else None)
    if mode == "RGBA":
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="png", **save)
    return buffer.getvalue()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        found.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return found


def assemble(parts: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG of these chunks, each with its right CRC."""
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in parts:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return out


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


# ---------------------------------------------------------------------------
# pdf_rows: what may go into a PDF as it is
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_rows_are_the_whole_image(mode):
    original = png(mode, size=(31, 17), compress_level=9)
    rows = pdf_rows(original)
    assert rows is not None
    # The rows alone, in a new PNG with the original header, are the same picture.
    header = chunks(original)[0]
    assert np.array_equal(decoded(assemble([header, (b"IDAT", rows), (b"IEND", b"")])), decoded(original))


def test_rows_of_several_idat_chunks_are_joined():
    original = png("RGB", size=(64, 64))
    header, idat = chunks(original)[0], b"".join(b for k, b in chunks(original) if k == b"IDAT")
    split = assemble([header, (b"IDAT", idat[:10]), (b"IDAT", idat[10:]), (b"IEND", b"")])
    assert pdf_rows(split) == idat


@pytest.mark.parametrize("mode", ["RGBA", "P", "LA"])
def test_images_with_alpha_or_a_palette_are_left_to_weasyprint(mode):
    image = Image.new(mode, (4, 4))
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    assert pdf_rows(buffer.getvalue()) is None


def test_sixteen_bit_interlaced_and_transparent_images_are_left_to_weasyprint():
    original = png("RGB")
    parts = chunks(original)
    width, height, _, colour, *rest = struct.unpack(">IIBBBBB", parts[0][1])
    sixteen = struct.pack(">IIBBBBB", width, height, 16, colour, *rest)
    interlaced = parts[0][1][:12] + b"\x01"
    assert pdf_rows(assemble([(b"IHDR", sixteen), *parts[1:]])) is None
    assert pdf_rows(assemble([(b"IHDR", interlaced), *parts[1:]])) is None
    assert pdf_rows(assemble([parts[0], (b"tRNS", b"\x00\x00\x00\x00\x00\x00"), *parts[1:]])) is None


def test_damaged_files_are_never_passed_on():
    original = png("RGB", size=(16, 16))
    parts = chunks(original)
    header, idat = parts[0], b"".join(b for k, b in parts if k == b"IDAT")
    rows = zlib.decompress(idat)
    stride = 1 + 16 * 3
    bad_filter = bytes([7]) + rows[1:]
    damaged = {
        "a flipped bit (CRC wrong)": original[:40] + bytes([original[40] ^ 1]) + original[41:],
        "cut short": original[:-20],
        "rows cut short": assemble([header, (b"IDAT", zlib.compress(rows[:-stride])), (b"IEND", b"")]),
        "rows too long": assemble([header, (b"IDAT", zlib.compress(rows + rows[:stride])), (b"IEND", b"")]),
        "a row filter that does not exist": assemble([header, (b"IDAT", zlib.compress(bad_filter)), (b"IEND", b"")]),
        "not zlib": assemble([header, (b"IDAT", b"not zlib at all"), (b"IEND", b"")]),
        "no IEND": assemble(parts[:-1]),
        "not a PNG": b"GIF89a" + original[6:],
        "empty": b"",
    }
    assert {name: pdf_rows(data) for name, data in damaged.items()} == dict.fromkeys(damaged)


# ---------------------------------------------------------------------------
# Charts are written as RGB when opaque
# ---------------------------------------------------------------------------


def test_an_opaque_chart_is_an_rgb_png_with_matplotlibs_pixels():
    fig, ax = charts.new_figure()
    ax.bar(["甲", "乙"], [3, 4])
    reference = io.BytesIO()
    fig.savefig(reference, format="png", bbox_inches="tight")  # matplotlib's own PNG writer: RGBA
    written = Image.open(io.BytesIO(charts.render_png(fig)))
    theirs = Image.open(reference)
    assert (written.mode, theirs.mode) == ("RGB", "RGBA")
    assert written.size == theirs.size and written.info["dpi"] == pytest.approx(theirs.info["dpi"])
    assert np.array_equal(np.asarray(written), np.asarray(theirs.convert("RGB")))
    assert not any(kind in (b"tEXt", b"iTXt", b"zTXt") for kind, _ in chunks(charts.render_png(charts.new_figure()[0])))


def test_a_chart_with_transparency_keeps_its_alpha():
    fig, ax = charts.new_figure()
    fig.patch.set_alpha(0)
    ax.patch.set_alpha(0)
    ax.plot([0, 1], [0, 1])
    written = Image.open(io.BytesIO(charts.render_png(fig)))
    assert written.mode == "RGBA" and np.asarray(written)[..., 3].min() == 0


# ---------------------------------------------------------------------------
# The page's inline images, served by name
# ---------------------------------------------------------------------------


def data_url(data: bytes, mime="image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_inline_images_are_named_once_each_and_served_with_their_type():
    one, two = png("RGB", seed=1), png("RGB", seed=2)
    page = (f'<p>甲</p><img src="{data_url(one)}" alt="一"><img src="{data_url(two, "image/jpeg")}" alt="二">'
            f'<img src="{data_url(one)}" alt="一again">')
    named, images = PP.served_images(page)
    assert "data:" not in named
    assert re.findall(r'src="([^"]+)"', named) == ["nianbao-image:0", "nianbao-image:1", "nianbao-image:0"]
    assert images == {"nianbao-image:0": (one, "image/png"), "nianbao-image:1": (two, "image/jpeg")}
    assert 'alt="一"' in named and "<p>甲</p>" in named


def test_an_image_whose_base64_does_not_decode_keeps_its_data_url():
    page = '<img src="data:image/png;base64,abc" alt="坏">'
    assert PP.served_images(page) == (page, {})


# ---------------------------------------------------------------------------
# In the PDF (real WeasyPrint)
# ---------------------------------------------------------------------------


def pdf_images(html: str) -> list[dict]:
    """Each image XObject of the page's PDF: its stored bytes, pixels and mask's pixels."""
    pikepdf = pytest.importorskip("pikepdf")
    from nianbao.pdf import html_to_pdf

    pdf = html_to_pdf(f"<html><body><h1>图</h1>{html}</body></html>", title="图", author="某局",
                      publication_date=dt.date(2025, 1, 20))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            {
                "stored": obj.read_raw_bytes(),
                "pixels": np.asarray(pikepdf.PdfImage(obj).as_pil_image()),
                "mask": np.asarray(pikepdf.PdfImage(obj.SMask).as_pil_image()) if "/SMask" in obj else None,
            }
            for obj in document.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
        ]


@pytest.mark.pdf
def test_the_pdf_takes_an_rgb_charts_rows_as_they_are_and_shows_the_same_pixels():
    fig, ax = charts.new_figure(3, 2)
    ax.bar(["甲", "乙"], [3, 4])
    chart = charts.render_png(fig)
    (image,) = pdf_images(f'<img src="{data_url(chart)}" alt="图">')
    assert image["stored"] == pdf_rows(chart)
    assert image["mask"] is None
    assert np.array_equal(image["pixels"], decoded(chart))


@pytest.mark.pdf
def test_an_image_with_alpha_still_goes_through_weasyprint_with_its_mask():
    translucent = Image.new("RGBA", (6, 4), (200, 10, 10, 128))
    buffer = io.BytesIO()
    translucent.save(buffer, format="png")
    images = pdf_images(f'<img src="{data_url(buffer.getvalue())}" alt="半透明">')
    (image,) = [found for found in images if found["mask"] is not None]  # the mask is an image of its own too
    assert image["mask"].max() == image["mask"].min() == 128
    assert np.array_equal(image["pixels"][..., :3], np.full((4, 6, 3), (200, 10, 10)))  # pikepdf adds the mask

"""A PNG's compressed pixel rows, taken into the PDF as they are.

PDF's FlateDecode filter with a PNG predictor reads exactly what a PNG's IDAT
chunks hold (zlib-compressed rows, each with its filter byte), so an 8-bit RGB
or grey PNG that is not interlaced needs no decoding to go into a PDF.
WeasyPrint decodes every PNG and compresses its pixels again (at zlib's
default level, several milliseconds per chart); :func:`use_png_rows_in_pdfs`
makes it take the rows as they are when :func:`pdf_rows` vouches for them, and
leaves every other image to WeasyPrint.  The PDF shows the same pixels: only
the compressed bytes differ.
"""

from __future__ import annotations

import io
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3}  # PNG colour type -> samples per pixel: grey, RGB (no alpha, no palette)
_FILTER_TYPES = frozenset(range(5))


def pdf_rows(png: bytes) -> bytes | None:
    """The PNG's IDAT data joined, if a PDF can use it as it is; else ``None``.

    As it is means: 8 bits per sample, grey or RGB, no transparency chunk, not
    interlaced; and, so that a damaged file is never passed on, every chunk's
    CRC right and the rows decompressing to exactly their size with a valid
    filter byte each.
    """
    chunks = _chunks(png)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        return None
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or colour not in _CHANNELS or (compression, filtering, interlace) != (0, 0, 0):
        return None
    if any(kind == b"tRNS" for kind, _ in chunks) or chunks[-1][0] != b"IEND":
        return None
    data = b"".join(body for kind, body in chunks if kind == b"IDAT")
    stride = 1 + width * _CHANNELS[colour]
    return data if width and height and _rows_are_whole(data, stride, height) else None


def _chunks(png: bytes) -> list[tuple[bytes, bytes]] | None:
    """(type, data) of each chunk, or ``None`` if the file is not a well-formed PNG."""
    if not png.startswith(PNG_SIGNATURE):
        return None
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(png):
        if at + 12 > len(png):
            return None
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if len(body) != length or at + 12 + length > len(png):
            return None
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            return None
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def _rows_are_whole(data: bytes, stride: int, height: int) -> bool:
    inflater = zlib.decompressobj()
    try:
        rows = inflater.decompress(data, stride * height + 1)
    except zlib.error:
        return False
    return (
        len(rows) == stride * height
        and inflater.eof
        and not inflater.unused_data
        and set(rows[::stride]) <= _FILTER_TYPES
    )


def use_png_rows_in_pdfs() -> None:
    """Make WeasyPrint (70) embed PNG rows as they are wherever :func:`pdf_rows` allows.

    WeasyPrint hands the image to ``RasterImage._get_png_data`` freshly opened
    from its bytes and not yet decoded; those bytes are what is checked.  Any
    other image (one with an alpha channel is split into colours and mask
    first) goes to WeasyPrint's own code.  Idempotent.
    """
    from weasyprint.images import RasterImage

    encode = RasterImage.__dict__["_get_png_data"].__func__
    if getattr(encode, "nianbao_png_rows", False):
        return

    def png_data(pillow_image) -> bytes:
        source = getattr(pillow_image, "fp", None)
        if isinstance(source, io.BytesIO) and pillow_image.mode in ("RGB", "L"):
            rows = pdf_rows(source.getvalue())
            if rows is not None:
                return rows
        return encode(pillow_image)

    png_data.nianbao_png_rows = True  # type: ignore[attr-defined]
    RasterImage._get_png_data = staticmethod(png_data)

"""Image files for upload tests, built with Pillow (and by hand for the hostile ones)."""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import Image, PngImagePlugin


def png_with_metadata(size=(640, 480), color=(200, 30, 30)) -> bytes:
    """A real PNG carrying EXIF (camera, GPS-like text) and a text chunk with PHP in it."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "GPS 14.5995N 120.9842E"  # Software (stands in for location data)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<?php system($_GET['c']); ?>")
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif, pnginfo=info)
    return out.getvalue()


def jpeg(size=(300, 200), color=(10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


PHP_SHELL = b"<?php if (isset($_GET['c'])) { system($_GET['c']); } ?>\n"

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/api/rentals').then(r => r.text()).then(alert)</script>"
    b'<rect width="10" height="10" fill="red"/></svg>'
)


def huge_png(megabytes: float = 30.0) -> bytes:
    """A genuine PNG of incompressible noise, bigger than `megabytes`."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 16
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def decompression_bomb(side: int = 50_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (2.5 gigapixels) that is only ~0.3 MB:
    all-zero rows compress about 1000:1, decoding it would take gigabytes."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(1)
    parts = []
    block = row * 200
    for _ in range(side // 200):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )

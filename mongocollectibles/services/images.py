"""Collectible images: checked by their content, re-encoded, stored content-hashed.

An upload is accepted only when Pillow recognises it as a PNG, JPEG, WebP or GIF by its
bytes (the file name is never trusted), it is within the size and pixel limits (a
"decompression bomb" is refused before it is decoded), and it decodes cleanly. It is then
re-encoded from its pixels alone (orientation applied, every piece of metadata and anything
hidden in the file dropped): a WebP of at most FULL_SIZE px and a THUMB_SIZE px thumbnail,
stored as `collectibles/<sha256>.webp` and `...-thumb.webp` with a one-year immutable cache
lifetime (`mongocollectibles.storage`).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.services import catalog_admin
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from mongocollectibles.storage import ImageStorage, storage_from_settings

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000  # 40 megapixels (e.g. 8000 x 5000)
FULL_SIZE = 1600
THUMB_SIZE = 400
WEBP_QUALITY = 82
NOT_AN_IMAGE = (
    "is not an image we accept: upload a PNG, JPEG, WebP or GIF "
    "(the file's content was checked, not its name)."
)


class ImageRejected(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="image")


@dataclass(frozen=True)
class ProcessedImage:
    digest: str  # sha256 of the re-encoded full-size WebP
    full: bytes
    thumb: bytes
    width: int
    height: int


@dataclass(frozen=True)
class StoredImage:
    key: str
    url: str
    thumb_url: str
    width: int
    height: int


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_size(size: int, *, filename: str = "", max_bytes: int | None = None) -> None:
    """Refuse a file over the limit before reading it (an upload's declared size)."""
    name = f"The file {filename!r}" if filename else "The file"
    limit = max_bytes if max_bytes is not None else get_settings().max_image_bytes
    if size > limit:
        raise ImageRejected(f"{name} is {_mb(size)}; images can be at most {_mb(limit)}.")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _open_checked(data: bytes, name: str) -> Image.Image:
    """Open the bytes as one of the accepted formats and check its size, header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(
            f"{name} has too many pixels to be decoded safely: at most "
            f"{MAX_PIXELS // 1_000_000} megapixels are accepted (this looks like a "
            "decompression bomb)."
        ) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageRejected(f"{name} {NOT_AN_IMAGE}") from error
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(f"{name} is a {image.format} file, which {NOT_AN_IMAGE[3:]}")
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise ImageRejected(
            f"{name} is {width} x {height} pixels; at most {MAX_PIXELS // 1_000_000} "
            "megapixels are accepted (this looks like a decompression bomb)."
        )
    return image


def process_image(
    data: bytes, *, filename: str = "", max_bytes: int | None = None
) -> ProcessedImage:
    """Check an upload and re-encode it; ImageRejected with a clear message when refused."""
    name = f"The file {filename!r}" if filename else "The file"
    limit = max_bytes if max_bytes is not None else get_settings().max_image_bytes
    if not data:
        raise ImageRejected(f"{name} is empty.")
    check_size(len(data), filename=filename, max_bytes=limit)
    if _looks_like_svg(data):
        raise ImageRejected(
            f"{name} is an SVG drawing; SVG files are not accepted because they can carry "
            "scripts. Upload a PNG, JPEG, WebP or GIF."
        )
    try:
        _open_checked(data, name).verify()  # the whole file, without decoding the pixels
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open_checked(data, name)
            image.seek(0)  # the first frame of an animation
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageRejected:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder failure: a damaged file
        raise ImageRejected(f"{name} is damaged or truncated and cannot be read.") from error
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    clean = image.convert("RGBA" if has_alpha else "RGB")  # pixels only, no metadata
    full, size = _webp(clean, FULL_SIZE)
    thumb, _ = _webp(clean, THUMB_SIZE)
    return ProcessedImage(
        digest=hashlib.sha256(full).hexdigest(),
        full=full,
        thumb=thumb,
        width=size[0],
        height=size[1],
    )


def _webp(image: Image.Image, box: int) -> tuple[bytes, tuple[int, int]]:
    copy = image.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue(), copy.size


def store_image(
    data: bytes,
    *,
    filename: str = "",
    storage: ImageStorage | None = None,
    max_bytes: int | None = None,
) -> StoredImage:
    """Check, re-encode and store an image (blocking: call from a worker thread).

    A file that is already one of the stored images (an export's image file) is kept as it
    is: its name is its hash, so it is found without decoding it again.
    """
    storage = storage or storage_from_settings()
    digest = hashlib.sha256(data).hexdigest()
    key = f"collectibles/{digest}.webp"
    if storage.get(key) == data:
        thumb_url = storage.url(f"collectibles/{digest}-thumb.webp")
        return StoredImage(key, storage.url(key), thumb_url, 0, 0)
    processed = process_image(data, filename=filename, max_bytes=max_bytes)
    key = f"collectibles/{processed.digest}.webp"
    url = storage.put(key, processed.full, "image/webp")
    thumb_url = storage.put(
        f"collectibles/{processed.digest}-thumb.webp", processed.thumb, "image/webp"
    )
    return StoredImage(key, url, thumb_url, processed.width, processed.height)


def _set_image(session: Session, collectible_id: str, url: str) -> catalog_admin.CollectibleRow:
    return catalog_admin.set_image(session, collectible_id, url)


async def upload_collectible_image(
    collectible_id: str,
    data: bytes,
    *,
    filename: str = "",
    storage: ImageStorage | None = None,
    uow: UnitOfWork,
) -> catalog_admin.CollectibleRow:
    """The owner's upload for a collectible: stored, then shown on the storefront at once."""
    await uow.run(catalog_admin.get_row, collectible_id)  # NotFound before any work
    stored = await asyncio.to_thread(store_image, data, filename=filename, storage=storage)
    return await uow.run(_set_image, collectible_id, stored.url)

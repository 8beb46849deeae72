"""Where collectible images are kept: one interface, two adapters.

- `LocalStorage`: files under a folder (MEDIA_DIR, default .data/media), served by the API
  at /api/media/... (the embedded default: nothing to set up);
- `S3Storage`: DigitalOcean Spaces, or any S3-compatible storage, through boto3 (SPACES_*
  settings), public objects behind the Spaces CDN URL.

Keys are content-hashed (`collectibles/<sha256>.webp`), so an object never changes once
written and is served with a long, immutable cache lifetime.
"""

from __future__ import annotations

from typing import Protocol

from mongocollectibles.settings import Settings, get_settings

CACHE_CONTROL = "public, max-age=31536000, immutable"


class ImageStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store `data` under `key` (public, CACHE_CONTROL); its public URL."""
        ...

    def get(self, key: str) -> bytes | None:
        """The object's bytes, None when there is none."""
        ...

    def url(self, key: str) -> str:
        """The public URL of `key`."""
        ...

    def key_of(self, url: str) -> str | None:
        """The key of one of this storage's public URLs (None: not one of them)."""
        ...


def storage_from_settings(settings: Settings | None = None) -> ImageStorage:
    """The configured storage: Spaces when SPACES_BUCKET is set, else local files."""
    settings = settings or get_settings()
    if settings.uses_spaces:
        from mongocollectibles.storage.s3 import S3Storage

        return S3Storage(
            bucket=settings.spaces_bucket,
            endpoint_url=settings.spaces_endpoint,
            region=settings.spaces_region or None,
            access_key=settings.spaces_key,
            secret_key=settings.spaces_secret,
            public_url=settings.spaces_cdn_url or None,
            addressing_style=settings.spaces_addressing_style,
        )
    from mongocollectibles.storage.local import LocalStorage

    return LocalStorage(settings.media_dir, settings.media_url)

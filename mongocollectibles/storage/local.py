"""Images as files under a folder (the default); the API serves them at /api/media/<key>."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# What a stored key looks like: a folder and a content-hashed name. Nothing else is served.
KEY_PATTERN = re.compile(r"^[a-z]+/[0-9a-f]{16,64}(-thumb)?\.webp$")


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise ValueError(f"Not a storage key: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: str | Path, public_url: str) -> None:
        self.root = Path(root)
        self.public_url = public_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> str:
        target = self.path(key)
        if not target.exists():  # content-hashed: the same key is the same bytes
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return self.url(key)

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def url(self, key: str) -> str:
        return f"{self.public_url}/{check_key(key)}"

    def key_of(self, url: str) -> str | None:
        prefix = self.public_url + "/"
        key = url[len(prefix) :] if url.startswith(prefix) else ""
        return key if KEY_PATTERN.match(key) else None

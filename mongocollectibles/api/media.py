"""GET /api/media/{key}: collectible images kept as local files (the default storage).

Only content-hashed image keys are served (no other path can be reached), with a one-year
immutable cache lifetime. With Spaces configured, images are served by its CDN instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from mongocollectibles.api.envelope import fail
from mongocollectibles.settings import get_settings
from mongocollectibles.storage import CACHE_CONTROL
from mongocollectibles.storage.local import KEY_PATTERN, LocalStorage

router = APIRouter(prefix="/api", tags=["media"])


@router.get("/media/{key:path}", summary="A stored collectible image", include_in_schema=False)
async def media(key: str, request: Request) -> Response:
    settings = get_settings()
    if not KEY_PATTERN.match(key):
        return fail(404, "No such image.")
    # create_api(media_dir=...) for tests; else MEDIA_DIR.
    root = getattr(request.app.state, "media_dir", None) or settings.media_dir
    path = LocalStorage(root, settings.media_url).path(key)
    if not path.is_file():
        return fail(404, "No such image.")
    return FileResponse(
        path,
        media_type="image/webp",
        headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )

"""Image uploads: checked by content, re-encoded, stored on local files or on a real
S3-compatible server (moto's, started here on a free port)."""

import io

import httpx
import pytest
from PIL import Image

from mongocollectibles.api import create_api
from mongocollectibles.domain.errors import NotFound
from mongocollectibles.models import Collectible
from mongocollectibles.services import catalog, images
from mongocollectibles.storage import CACHE_CONTROL
from mongocollectibles.storage.local import LocalStorage
from mongocollectibles.storage.s3 import S3Storage
from tests.support.images import (
    PHP_SHELL,
    SVG_WITH_SCRIPT,
    decompression_bomb,
    huge_png,
    jpeg,
    png_with_metadata,
)
from tests.support.s3 import s3_server as s3_server_running
from tests.support.servers import run_asgi_in_thread

BUCKET = "mongocollectibles-test"


@pytest.fixture(scope="module")
def s3_server():
    with s3_server_running(BUCKET) as server:
        yield server.endpoint


@pytest.fixture
def s3_storage(s3_server):
    return S3Storage(
        bucket=BUCKET,
        endpoint_url=s3_server,
        region="sgp1",
        access_key="test",
        secret_key="test",
        addressing_style="path",
    )


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# ------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("make", "filename", "message"),
    [
        (lambda: PHP_SHELL, "photo.png", "is not an image we accept"),
        (lambda: SVG_WITH_SCRIPT, "logo.svg", "SVG files are not accepted because they can carry"),
        (lambda: SVG_WITH_SCRIPT, "logo.png", "SVG files are not accepted"),
        (lambda: b"", "empty.png", "is empty"),
        (lambda: png_with_metadata()[:300], "cut.png", "damaged or truncated"),
    ],
    ids=["php-renamed-png", "svg-script", "svg-renamed-png", "empty", "truncated"],
)
def test_uploads_that_are_not_safe_images_are_refused(make, filename, message):
    with pytest.raises(images.ImageRejected, match=message) as refused:
        images.process_image(make(), filename=filename)
    assert refused.value.status_code == 422 and refused.value.field == "image"
    assert filename in refused.value.message


def test_a_30_mb_image_is_refused_by_size():
    data = huge_png(30)
    assert decoded(data[:]).format == "PNG"  # a genuine image, just too big
    with pytest.raises(images.ImageRejected, match=r"is 30\.\d MB; images can be at most 10\.0 MB"):
        images.process_image(data, filename="big.png")


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = decompression_bomb(50_000)
    assert len(bomb) < 2 * 1024 * 1024  # small on disk, 2.5 gigapixels decoded
    with pytest.raises(
        images.ImageRejected, match="at most 40 megapixels are accepted.*decompression bomb"
    ):
        images.process_image(bomb, filename="bomb.png")
    # Below Pillow's own alarm (2 x 89 MP) but above the shop's limit: refused by size.
    with pytest.raises(images.ImageRejected, match="8000 x 8000 pixels; at most 40 megapixels"):
        images.process_image(decompression_bomb(8000), filename="bomb2.png")


# ------------------------------------------------------------------------ re-encoding


def test_images_are_re_encoded_without_metadata_resized_with_a_thumbnail():
    source = png_with_metadata(size=(3200, 1600))
    assert b"SecretCam" in source and b"<?php" in source
    result = images.process_image(source, filename="camera.png")
    full, thumb = decoded(result.full), decoded(result.thumb)
    assert (full.format, full.size) == ("WEBP", (1600, 800))
    assert (thumb.format, thumb.size) == ("WEBP", (400, 200))
    for data in (result.full, result.thumb):
        assert b"SecretCam" not in data and b"<?php" not in data
        assert not decoded(data).getexif()
    assert full.getpixel((10, 10))[:3] == pytest.approx((200, 30, 30), abs=6)
    # The same picture gives the same name (content-hashed).
    assert images.process_image(source).digest == result.digest


# ----------------------------------------------------------------------------- storage


def test_s3_storage_serves_the_webp_with_long_cache_headers(s3_storage):
    stored = images.store_image(jpeg(), filename="figure.jpg", storage=s3_storage)
    assert stored.key.startswith("collectibles/") and stored.key.endswith(".webp")
    response = httpx.get(stored.url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert decoded(response.content).size == (300, 200)
    thumb = httpx.get(stored.thumb_url)
    assert thumb.status_code == 200 and decoded(thumb.content).size == (300, 200)
    assert s3_storage.get(stored.key) == response.content
    assert s3_storage.get("collectibles/" + "0" * 64 + ".webp") is None


def test_s3_public_urls_use_the_cdn_url_when_set(s3_server):
    storage = S3Storage(
        bucket=BUCKET,
        endpoint_url=s3_server,
        region="sgp1",
        access_key="test",
        secret_key="test",
        public_url="https://cdn.example.test/",
        addressing_style="path",
    )
    assert storage.url("collectibles/ab.webp") == "https://cdn.example.test/collectibles/ab.webp"


async def test_an_uploaded_image_shows_on_the_storefront_from_s3(uow, s3_storage):
    await catalog.list_collectibles(uow=uow)  # a snapshot is cached
    row = await images.upload_collectible_image(
        "col-004", png_with_metadata(), filename="cards.png", storage=s3_storage, uow=uow
    )
    assert row.image_url.startswith(s3_storage.public_url + "/collectibles/")
    shown = await catalog.get_collectible("col-004", uow=uow)
    assert shown.image_url == row.image_url
    assert httpx.get(shown.image_url).headers["content-type"] == "image/webp"


async def test_a_refused_upload_changes_nothing(uow, s3_storage):
    with pytest.raises(images.ImageRejected):
        await images.upload_collectible_image(
            "col-004", PHP_SHELL, filename="x.png", storage=s3_storage, uow=uow
        )
    with pytest.raises(NotFound):
        await images.upload_collectible_image("nope", jpeg(), storage=s3_storage, uow=uow)
    with uow() as session:
        assert session.get(Collectible, "col-004").image_url == "/collectibles/col-004.svg"


def test_local_storage_is_served_by_the_api(tmp_path, uow):
    storage = LocalStorage(tmp_path, "http://shop.test/api/media")
    stored = images.store_image(jpeg(), storage=storage)
    assert stored.url == f"http://shop.test/api/media/{stored.key}"
    assert (tmp_path / stored.key).is_file()
    with run_asgi_in_thread(
        create_api(uow=uow, run_background_tasks=False, media_dir=str(tmp_path))
    ) as base:
        response = httpx.get(f"{base}/api/media/{stored.key}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == CACHE_CONTROL
        assert response.headers["content-type"] == "image/webp"
        assert decoded(response.content).format == "WEBP"
        for bad in ("../../etc/passwd", "collectibles/..%2f..%2fsecret.webp", "x/abc.php"):
            assert httpx.get(f"{base}/api/media/{bad}").status_code == 404
        missing = httpx.get(f"{base}/api/media/collectibles/{'0' * 64}.webp")
        assert missing.status_code == 404 and missing.json()["success"] is False

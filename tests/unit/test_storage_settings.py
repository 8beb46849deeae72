"""Which image storage the settings choose, and incomplete Spaces settings refused."""

import pytest

from mongocollectibles.settings import Settings, SettingsError
from mongocollectibles.storage import storage_from_settings
from mongocollectibles.storage.local import LocalStorage
from mongocollectibles.storage.s3 import S3Storage


def test_local_files_by_default_served_by_the_api():
    settings = Settings(_env_file=None, api_base_url="https://shop.example.ph")
    storage = storage_from_settings(settings)
    assert isinstance(storage, LocalStorage)
    assert storage.url("collectibles/" + "a" * 64 + ".webp").startswith(
        "https://shop.example.ph/api/media/collectibles/"
    )


def test_spaces_when_a_bucket_is_configured():
    settings = Settings(
        _env_file=None,
        spaces_bucket="shop-images",
        spaces_endpoint="https://sgp1.digitaloceanspaces.com",
        spaces_region="sgp1",
        spaces_key="key",
        spaces_secret="secret",
        spaces_cdn_url="https://shop-images.sgp1.cdn.digitaloceanspaces.com",
    )
    storage = storage_from_settings(settings)
    assert isinstance(storage, S3Storage)
    assert storage.url("collectibles/x.webp") == (
        "https://shop-images.sgp1.cdn.digitaloceanspaces.com/collectibles/x.webp"
    )


def test_a_bucket_without_keys_is_refused_with_what_is_missing():
    with pytest.raises(
        SettingsError, match="SPACES_ENDPOINT, SPACES_KEY and SPACES_SECRET are needed"
    ):
        Settings(_env_file=None, spaces_bucket="shop-images")

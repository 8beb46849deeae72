"""Images on DigitalOcean Spaces (or any S3-compatible storage) through boto3.

Spaces needs: the endpoint of its region (https://<region>.digitaloceanspaces.com), the
region name, an access key pair, and for public links the CDN URL of the bucket
(https://<bucket>.<region>.cdn.digitaloceanspaces.com). Objects are written public-read
with a long, immutable Cache-Control (their names are content hashes).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from mongocollectibles.storage import CACHE_CONTROL
from mongocollectibles.storage.local import KEY_PATTERN


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str,
        region: str | None,
        access_key: str,
        secret_key: str,
        public_url: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url.rstrip("/")
        self.public_url = (public_url or f"{self.endpoint_url}/{bucket}").rstrip("/")
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                s3={"addressing_style": addressing_style},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3},
            ),
        )

    def put(self, key: str, data: bytes, content_type: str) -> str:
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
            ACL="public-read",
        )
        return self.url(key)

    def get(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def url(self, key: str) -> str:
        return f"{self.public_url}/{key}"

    def key_of(self, url: str) -> str | None:
        prefix = self.public_url + "/"
        key = url[len(prefix) :] if url.startswith(prefix) else ""
        return key if KEY_PATTERN.match(key) else None

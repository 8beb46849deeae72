"""A real S3-compatible server for tests: moto's, on a free port, with one bucket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import httpx
from moto.server import ThreadedMotoServer

from tests.support.servers import free_port

REGION = "sgp1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str
    key: str = "test"
    secret: str = "test"
    region: str = REGION

    def env(self) -> dict[str, str]:
        """The app's settings for this server (path-style URLs: no DNS per bucket here)."""
        return {
            "SPACES_BUCKET": self.bucket,
            "SPACES_ENDPOINT": self.endpoint,
            "SPACES_REGION": self.region,
            "SPACES_KEY": self.key,
            "SPACES_SECRET": self.secret,
            "SPACES_ADDRESSING_STYLE": "path",
        }


@contextmanager
def s3_server(bucket: str = "mongocollectibles-test") -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        # moto keeps its buckets per process: a server started again in the same process (a
        # second pytest session, as mutation testing runs them) starts empty, like a new one.
        httpx.post(f"{endpoint}/moto-api/reset").raise_for_status()
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield S3Server(endpoint, bucket)
    finally:
        server.stop()

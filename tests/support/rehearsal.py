"""The production stack on this machine, on loopback ports: the release tree built exactly as
deploy/release.sh builds it, the backend started from deploy/mongocollectibles.service (its
ExecStartPre/ExecStart, its environment, a read-only filesystem but for the state directory),
PostgreSQL, Redis with 2 workers, the standalone PayMongo sandbox standing in for PayMongo
(sk_test_ keys, signed webhooks sent to the public URL), and the droplet's packaged Caddy
(2.6) with the real deploy/Caddyfile in front. Browsers talk to Caddy only.

Used by tests/e2e/test_production_rehearsal.py, and by hand through deploy/rehearse.sh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.droplet import Unit, packaged_caddy
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_rehearsal_secret"
PUBLIC_KEY = "pk_test_rehearsal_public"
WEBHOOK_SECRET = "whsk_rehearsal_webhook"


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


class Rehearsal:
    def __init__(
        self, workdir: Path, database_url: str, redis_url: str | None, workers: int = 2
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.redis_url = redis_url
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.backend_port = free_port()
        self.sandbox_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.processes: list[subprocess.Popen] = []
        self.unit: Unit | None = None

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def build(self) -> Path:
        """deploy/build.sh, as release.sh runs it; then the droplet's layout around it."""
        release = self.workdir / "opt/shop/releases/rehearsal"
        subprocess.run(
            ["bash", "deploy/build.sh", str(release), self.url],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (release / ".venv").symlink_to(Path(sys.prefix))
        (self.workdir / "opt/shop/current").symlink_to("releases/rehearsal")
        return release

    def shop_env(self) -> dict[str, str]:
        """/etc/shop/shop.env as deploy/shop.env.example asks, pointed at local stand-ins."""
        env = {
            "DATABASE_URL": self.database_url,
            "PUBLIC_BASE_URL": self.url,
            "API_BASE_URL": self.url,
            "CORS_ALLOWED_ORIGINS": self.url,
            "REFLEX_API_URL": self.url,
            "PAYMONGO_SECRET_KEY": SECRET_KEY,
            "PAYMONGO_PUBLIC_KEY": PUBLIC_KEY,
            "PAYMONGO_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PAYMONGO_API_BASE": self.sandbox_url,
            "ADMIN_USERNAME": "owner",
            "ADMIN_PASSWORD": "a-long-rehearsal-passphrase",
            "SEED_DEMO_DATA": "true",
            "GRANIAN_WORKERS": str(self.workers),
        }
        if self.redis_url:
            env["REFLEX_REDIS_URL"] = self.redis_url
        return env

    def __enter__(self) -> Rehearsal:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        self.build()
        etc = self.workdir / "etc/shop"
        etc.mkdir(parents=True)
        (etc / "shop.env").write_text("".join(f"{k}={v}\n" for k, v in self.shop_env().items()))

        base_env = {"PATH": os.environ["PATH"], "HOME": str(self.workdir), "LANG": "C.UTF-8"}
        sandbox = self._spawn(
            "sandbox",
            [
                sys.executable, "-m", "mongocollectibles.payments.sandbox",
                "--port", str(self.sandbox_port),
                "--webhook-url", f"{self.url}/api/webhooks/paymongo",
                "--secret-key", SECRET_KEY,
                "--webhook-secret", WEBHOOK_SECRET,
            ],
            {**base_env, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        wait_for(self.sandbox_url + "/", sandbox, self.workdir / "sandbox.log")

        # The release's own files run as the current user here: this checkout's virtualenv
        # may not be readable by another uid (tests/integration/test_release.py covers that).
        self.unit = Unit(self.workdir, self.backend_port, user=None)
        assert self.unit.start(), self.unit.log.read_text()[-4000:]
        self.unit.wait_healthy()

        caddy_env = {
            **base_env,
            "DOMAIN": self.url,
            "SHOP_SITE": str(self.workdir / "opt/shop/current/.web/build/client"),
            "SHOP_BACKEND": f"127.0.0.1:{self.backend_port}",
            "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
            "XDG_DATA_HOME": str(self.workdir / "caddy-data"),
            "XDG_CONFIG_HOME": str(self.workdir / "caddy-config"),
        }
        caddy = self._spawn(
            "caddy",
            [packaged_caddy(), "run", "--config", str(ROOT / "deploy/Caddyfile"),
             "--adapter", "caddyfile"],
            caddy_env,
        )  # fmt: skip
        wait_for(self.url + "/", caddy, self.workdir / "caddy.log")

    def __exit__(self, *_exc) -> None:
        if self.unit is not None:
            self.unit.stop()
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the production stack on loopback ports.")
    parser.add_argument(
        "--postgres",
        default=os.getenv(
            "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="an admin URL; a fresh database is created for the rehearsal and dropped after",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["TEST_POSTGRES_URL"] = args.postgres

    def stop(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    from tests.support.databases import create_pg_database, drop_pg_database

    name = f"rehearsal_{uuid.uuid4().hex[:8]}"
    database = create_pg_database(name)
    workdir = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    try:
        with Rehearsal(workdir, database, args.redis or None, args.workers) as stack:
            print(f"shop:    {stack.url}  (Caddy {packaged_caddy()}, deploy/Caddyfile)")
            print(f"backend: 127.0.0.1:{stack.backend_port} ({args.workers} workers)")
            print(f"PayMongo sandbox: {stack.sandbox_url}")
            print(f"logs:    {workdir}/*.log   database: {name}   Ctrl-C stops everything")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    finally:
        drop_pg_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

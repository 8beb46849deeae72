"""deploy/release.sh for real, against a local "droplet": rsync and activate.sh run through a
fake ssh as the deploy user (a non-root uid) with the droplet's ownership, the service runs
as the shop uid from the installed unit file, and a release that fails to start is rolled
back automatically."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.droplet import DEPLOY_UID, SHOP_UID, FakeDroplet
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as the deploy/shop users"),
    pytest.mark.skipif(not shutil.which("rsync"), reason="rsync not installed"),
]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A clean clone of this checkout's files (sharing its .venv and bun), plus the kind of
    untracked files a developer has lying around."""
    dest = tmp_path / "checkout"
    dest.mkdir()
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(
        ["rsync", "-a", "--from0", "--files-from=-", "./", str(dest)],
        input=tracked,
        cwd=ROOT,
        check=True,
    )
    for shared in (".venv", ".tools"):
        if (ROOT / shared).exists():
            (dest / shared).symlink_to(ROOT / shared)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "release")
    (dest / ".env").write_text("SWEEP_INTERVAL_SECONDS=3600\n")
    (dest / ".states").mkdir()
    return dest


@pytest.fixture
def droplet(pg_url):  # pg_url: fails or skips clearly when PostgreSQL is missing
    base = Path(tempfile.mkdtemp(prefix="droplet-", dir="/tmp"))
    base.chmod(0o755)
    name = f"mct_release_{uuid.uuid4().hex[:8]}"
    database = create_pg_database(name)
    machine = FakeDroplet(base, port=free_port())
    machine.provision(
        {
            "DATABASE_URL": database,
            "PUBLIC_BASE_URL": "https://shop.example.test",
            "API_BASE_URL": "https://shop.example.test",
            "PAYMONGO_SECRET_KEY": "sk_test_release",
            "PAYMONGO_WEBHOOK_SECRET": "whsk_release",
            "ADMIN_PASSWORD": "a-long-owner-passphrase",
            "SEED_DEMO_DATA": "true",
        }
    )
    yield machine
    machine.close()
    drop_pg_database(name)
    shutil.rmtree(base, ignore_errors=True)


def release(checkout: Path, droplet: FakeDroplet, *args: str) -> subprocess.CompletedProcess:
    env = {
        **droplet.path_env(),
        "SHOP_ROOT": str(droplet.shop),
        "SHOP_HEALTH_URL": f"http://127.0.0.1:{droplet.port}/_health",
        "SHOP_HEALTH_TIMEOUT": "150",  # activate.sh's default: a busy CI machine starts slowly
    }
    return subprocess.run(
        ["bash", "deploy/release.sh", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def as_user(uid: int, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command],
        capture_output=True,
        text=True,
    )


def test_release_then_a_broken_release_rolls_back(checkout, droplet):
    first = release(checkout, droplet, "deploy@droplet", "https://shop.example.test")
    print(first.stdout)
    assert first.returncode == 0, (
        first.stdout[-3000:] + first.stderr[-3000:] + droplet.unit.log.read_text()[-4000:]
    )
    live = droplet.shop / droplet.current()
    assert droplet.current().startswith("releases/")

    # Only the allow-list was shipped; the developer's .env never reaches production.
    shipped = {p.name for p in live.iterdir()}
    assert {"mongocollectibles", "alembic", "requirements.txt", "deploy", ".web"} <= shipped
    assert not shipped & {".env", ".states", "tests", "bench", ".ci", "scripts", ".git"}
    # A real shop's first page never shows the demo's items (built without BUILD_DEMO_CATALOG).
    assert "Vintage Batman" not in (live / ".web/build/client/index.html").read_text()
    assert (live / ".web/build/client/payment/success.html").is_file()
    assert (
        "https://shop.example.test/checkout" in (live / ".web/build/client/sitemap.xml").read_text()
    )

    # The droplet's ownership: deploy owns the release, the service cannot change it.
    assert (live / "mongocollectibles/prestart.py").stat().st_uid == DEPLOY_UID
    assert as_user(SHOP_UID, "touch", str(live / "planted")).returncode != 0
    assert as_user(SHOP_UID, "test", "-r", str(live / "rxconfig.py")).returncode == 0

    # System files installed: the unit, the Caddyfile and Caddy's DOMAIN.
    assert (droplet.etc / "caddy/Caddyfile").read_text() == (ROOT / "deploy/Caddyfile").read_text()
    assert (droplet.etc / "shop/caddy.env").read_text() == "DOMAIN=shop.example.test\n"
    assert (droplet.etc / "systemd/system/caddy.service.d/shop.conf").is_file()
    health = httpx.get(f"http://127.0.0.1:{droplet.port}/_health", timeout=5).json()
    assert health["status"] is True and health["db"] is True

    # A release that cannot start (here: its prestart fails) is switched back automatically.
    # (The module still imports: the build, which imports the app, succeeds.)
    prestart_py = checkout / "mongocollectibles/prestart.py"
    source = prestart_py.read_text()
    assert source.count("    settings = get_settings()\n") == 1
    prestart_py.write_text(
        source.replace(
            "    settings = get_settings()\n",
            '    raise SystemExit("prestart: this release is broken")\n',
        )
    )
    git(checkout, "commit", "-qam", "broken")
    second = release(checkout, droplet, "deploy@droplet", "https://shop.example.test")
    assert second.returncode != 0
    assert "rolled back" in second.stdout, second.stdout[-3000:]
    assert droplet.shop / droplet.current() == live
    assert "this release is broken" in droplet.unit.log.read_text()
    assert httpx.get(f"http://127.0.0.1:{droplet.port}/_health", timeout=5).status_code == 200
    restarts = [c for c in droplet.calls if c == ["systemctl", "restart", "mongocollectibles"]]
    assert len(restarts) == 3  # first release, broken release, rollback
    # Both releases use the same requirements: one shared virtualenv, installed once.
    assert len(list((droplet.shop / "venvs").iterdir())) == 1
    assert len(list((droplet.shop / "releases").iterdir())) == 2

    # Fixed and released again; then rolled back by hand: to the last good release, never to
    # the broken one in between.
    git(checkout, "revert", "--no-edit", "HEAD")
    third = release(checkout, droplet, "deploy@droplet", "https://shop.example.test")
    assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
    assert droplet.shop / droplet.current() != live
    back = release(checkout, droplet, "--rollback", "deploy@droplet")
    assert back.returncode == 0, back.stdout[-3000:] + back.stderr[-3000:]
    assert droplet.shop / droplet.current() == live
    assert httpx.get(f"http://127.0.0.1:{droplet.port}/_health", timeout=5).status_code == 200

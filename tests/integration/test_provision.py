"""deploy/provision.sh --dry-run, offline: every doctl/aws call it would make, in order, and the
cloud-init it would hand the droplet."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheDeployUser deploy@laptop"


def provision(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    key = tmp_path / "id.pub"
    key.write_text(KEY + "\n")
    return subprocess.run(
        ["bash", "deploy/provision.sh", "--ssh-key", str(key), *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # no doctl, no aws: nothing can be contacted
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dry_run_prints_every_call_and_fills_the_deploy_key(tmp_path):
    user_data = tmp_path / "user-data.yaml"
    result = provision(
        tmp_path,
        "--domain", "shop.example.ph",
        "--user-data-out", str(user_data),
        "--dry-run",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = [shlex.split(line) for line in result.stderr.splitlines() if line.startswith("doctl")]
    aws = [shlex.split(line) for line in result.stderr.splitlines() if line.startswith("aws")]
    verbs = [" ".join(c[1:4]) for c in calls]
    assert verbs[:4] == [
        "databases create shop-db",
        "databases db create",
        "databases user create",
        "databases pool create",
    ]
    pool = calls[3]
    assert pool[pool.index("--mode") + 1] == "transaction"

    droplet = next(c for c in calls if c[1:4] == ["compute", "droplet", "create"])
    assert droplet[droplet.index("--image") + 1] == "ubuntu-24-04-x64"
    assert droplet[droplet.index("--ssh-keys") + 1] == "<ssh-key-id>"
    assert droplet[droplet.index("--user-data-file") + 1] == str(user_data)
    config = yaml.safe_load(user_data.read_text())
    deploy = next(u for u in config["users"] if u["name"] == "deploy")
    assert deploy["ssh_authorized_keys"] == [KEY]
    # Everything else is the checked-in cloud-init.
    original = yaml.safe_load((ROOT / "deploy/cloud-init.yaml").read_text())
    deploy["ssh_authorized_keys"] = ["SSH_PUBLIC_KEY"]
    assert config == original

    assert calls[verbs.index("databases firewalls append")][1:] == [
        "databases",
        "firewalls",
        "append",
        "<db-id>",
        "--rule",
        "tag:shop",
    ]
    firewall = next(c for c in calls if c[1:4] == ["compute", "firewall", "create"])
    inbound = firewall[firewall.index("--inbound-rules") + 1]
    for rule in ("tcp,ports:22", "tcp,ports:80", "tcp,ports:443", "udp,ports:443"):
        assert f"protocol:{rule}," in inbound
    assert aws[1][1:3] == ["s3api", "put-bucket-versioning"]
    assert any(c[1:4] == ["compute", "cdn", "create"] for c in calls)
    records = [c for c in calls if c[1:5] == ["compute", "domain", "records", "create"]]
    assert [(r[5], r[r.index("--record-name") + 1]) for r in records] == [
        ("example.ph", "shop"),
        ("example.ph", "shop"),
    ]
    assert records[0][records[0].index("--record-data") + 1] == "<droplet-ip>"


def test_a_bare_domain_gets_apex_records(tmp_path):
    result = provision(tmp_path, "--domain", "example.ph", "--no-spaces", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "aws " not in result.stderr
    assert "records create example.ph --record-type A --record-name @" in result.stderr


def test_without_doctl_it_stops_before_doing_anything(tmp_path):
    result = provision(tmp_path, "--domain", "shop.example.ph")
    assert result.returncode == 1 and "install doctl" in result.stderr
    assert "doctl databases" not in result.stderr


def test_missing_arguments_are_explained(tmp_path):
    result = subprocess.run(
        ["bash", "deploy/provision.sh", "--dry-run"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2 and "usage:" in result.stderr

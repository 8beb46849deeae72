"""The droplet, as closely as this machine allows (systemd cannot run here as PID 1).

- `Unit` reads deploy/mongocollectibles.service and runs its own ExecStartPre/ExecStart lines
  with its own environment (Environment= lines, then the EnvironmentFile, which overrides
  them), as its user (a numeric uid here), in its working directory, under bubblewrap with a
  read-only root and only the state directory writable (ProtectSystem=strict).
- `FakeDroplet` is the remote end of release.sh: an `ssh` that runs the remote command as
  the `deploy` uid, and a `sudo` that asks this (root) process to do the few root things
  activate.sh needs: install files (under a fake /etc), systemctl restart the unit, etc.

Paths of the droplet are mapped into a temporary directory: /opt/shop -> <root>/opt/shop,
/var/lib/shop -> <root>/var/lib/shop, /etc -> <root>/etc, port 8000 -> a free port.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
UNIT_FILE = ROOT / "deploy" / "mongocollectibles.service"

# Numeric ids for the droplet's users (no passwd entries needed).
DEPLOY_UID = int(os.getenv("TEST_DEPLOY_UID", "64101"))
SHOP_UID = int(os.getenv("TEST_SHOP_UID", "64102"))


def packaged_caddy() -> str:
    """The Caddy the droplet gets: the Debian/Ubuntu package (2.6). scripts/test.sh unpacks
    it under .tools and sets PACKAGED_CADDY; an installed /usr/bin/caddy works too."""
    for candidate in (
        os.getenv("PACKAGED_CADDY", ""),
        "/usr/bin/caddy",
        str(ROOT / ".tools/caddy-deb/usr/bin/caddy"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise AssertionError("the packaged Caddy is missing: run scripts/test.sh (it unpacks it)")


def parse_env_lines(lines: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in lines:
        for item in shlex.split(line):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def read_env_file(path: Path) -> dict[str, str]:
    lines = [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return parse_env_lines(lines)


class Unit:
    """deploy/mongocollectibles.service with the droplet's paths mapped under `root`."""

    def __init__(
        self, root: Path, port: int, *, text: str | None = None, user: int | None = SHOP_UID
    ) -> None:
        self.root = root
        self.port = port
        self.user = user  # None: the current user (its files may not be readable by others)
        original = text if text is not None else UNIT_FILE.read_text()
        self.text = (
            original.replace("/opt/shop", str(root / "opt/shop"))
            .replace("/var/lib/shop", str(root / "var/lib/shop"))
            .replace("/etc/shop", str(root / "etc/shop"))
            .replace("--port 8000", f"--port {port}")
            .replace("REFLEX_BACKEND_PORT=8000", f"REFLEX_BACKEND_PORT={port}")
        )
        self.values: dict[str, list[str]] = {}
        for line in self.text.splitlines():
            if "=" in line and not line.startswith(("#", "[")):
                key, _, value = line.partition("=")
                self.values.setdefault(key.strip(), []).append(value.strip())
        self.state_dir = root / "var/lib/shop"
        self.process: subprocess.Popen | None = None
        self.log = root / "service.log"

    def one(self, key: str) -> str:
        (value,) = self.values[key]
        return value

    def environment(self) -> dict[str, str]:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        env.update(parse_env_lines(self.values.get("Environment", [])))
        for path in self.values.get("EnvironmentFile", []):
            env.update(read_env_file(Path(path.lstrip("-"))))
        return env

    def _command(self, line: str) -> list[str]:
        """The line as the unit's user, in a read-only filesystem but for the state dir."""
        workdir = Path(self.one("WorkingDirectory"))
        sandbox = []
        if shutil.which("bwrap"):
            sandbox = [
                "bwrap",
                "--ro-bind", "/", "/",
                "--dev", "/dev",
                "--proc", "/proc",
                "--bind", str(self.state_dir), str(self.state_dir),
                "--die-with-parent",
                "--chdir", str(workdir),
            ]  # fmt: skip
        drop = []
        if self.user is not None and os.geteuid() == 0:
            drop = ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups"]
        return [*sandbox, *drop, *shlex.split(line)]

    def prepare_state_dir(self) -> None:
        """StateDirectory=shop: created and owned by the unit's user."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.user is not None and os.geteuid() == 0:
            os.chown(self.state_dir, self.user, self.user)
        self.state_dir.chmod(0o750)

    def start(self) -> bool:
        """`systemctl start`: ExecStartPre to completion, then ExecStart in the background."""
        self.prepare_state_dir()
        env = self.environment()
        workdir = self.one("WorkingDirectory")
        with self.log.open("a") as out:
            for line in self.values.get("ExecStartPre", []):
                pre = subprocess.run(
                    self._command(line),
                    env=env,
                    cwd=workdir,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    umask=0o077,
                    timeout=180,
                )
                if pre.returncode != 0:
                    return False
            self.process = subprocess.Popen(
                self._command(self.one("ExecStart")),
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                umask=0o077,
                start_new_session=True,
            )
        return True

    def stop(self) -> None:
        """KillSignal=SIGINT, then SIGKILL after TimeoutStopSec."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def kill9(self) -> None:
        """The backend dies hard (OOM killer, power loss): SIGKILL to every process."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> bool:
        self.stop()
        return self.start()

    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/_health"

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                answer = httpx.get(self.health_url(), timeout=3)
                if answer.status_code == 200 and answer.json().get("status") is True:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"backend not healthy:\n{self.log.read_text()[-4000:]}")


class FakeDroplet:
    """The remote end of release.sh, with the droplet's users and ownership."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.shop = root / "opt/shop"
        self.etc = root / "etc"
        self.bin = root / "fakebin"
        self.home = root / "home/deploy"
        self.calls: list[list[str]] = []
        self.unit: Unit | None = None
        self._server: ThreadingHTTPServer | None = None

    # cloud-init's runcmd, as on a fresh droplet
    def provision(self, shop_env: dict[str, str]) -> None:
        for path in (self.shop, self.shop / "releases", self.shop / "venvs", self.home):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, DEPLOY_UID, DEPLOY_UID)
            path.chmod(0o755)
        (self.etc / "shop").mkdir(parents=True, exist_ok=True)
        env_file = self.etc / "shop/shop.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in shop_env.items()))
        env_file.chmod(0o640)
        for parent in (self.root, self.root / "opt", self.root / "home"):
            parent.chmod(0o755)
        self._start_root_helper()
        self._write_fake_tools()

    def _start_root_helper(self) -> None:
        droplet = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                argv = [a.decode() for a in body.split(b"\0") if a]
                code, output = droplet.as_root(argv)
                payload = f"{code}\n{output}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _write_fake_tools(self) -> None:
        self.bin.mkdir(parents=True, exist_ok=True)
        helper = f"http://127.0.0.1:{self._server.server_address[1]}/"
        path = f"{self.bin}:/usr/local/bin:/usr/bin:/bin"
        ssh = self.bin / "ssh"
        ssh.write_text(
            "#!/bin/bash\n"
            "# fake ssh: run the remote command here as the droplet's deploy user\n"
            'while [[ "$1" == -* ]]; do case "$1" in -[opilFeJ]) shift 2;; *) shift;; esac;'
            " done\n"
            "shift\n"
            f"exec setpriv --reuid={DEPLOY_UID} --regid={DEPLOY_UID} --clear-groups"
            f' env -i HOME={self.home} PATH={path} LANG=C.UTF-8 bash -c "$*"\n'
        )
        sudo = self.bin / "sudo"
        sudo.write_text(
            "#!/bin/bash\n"
            "# fake sudo: the test process does the root part and answers CODE\\nOUTPUT\n"
            f'answer="$(printf \'%s\\0\' "$@" | curl -sS --data-binary @- {helper})" || exit 99\n'
            'code="${answer%%$\'\\n\'*}"; out="${answer#"$code"}"; out="${out#$\'\\n\'}"\n'
            '[ -z "$out" ] || printf "%s\\n" "$out"\n'
            'exit "$code"\n'
        )
        for tool in (ssh, sudo):
            tool.chmod(0o755)

    def path_env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}"}

    def as_root(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(argv)
        match argv:
            case ["install", "-D", "-m", mode, source, dest]:
                target = self.etc / Path(dest).relative_to("/etc")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
                target.chmod(int(mode, 8))
                return 0, ""
            case ["systemctl", "restart", "mongocollectibles"]:
                # systemd runs the unit file activate.sh installed
                if self.unit is not None:
                    self.unit.stop()
                installed = self.etc / "systemd/system/mongocollectibles.service"
                self.unit = Unit(self.root, self.port, text=installed.read_text())
                return (0, "") if self.unit.start() else (1, "ExecStartPre failed")
            case [
                "systemctl",
                "daemon-reload" | "enable" | "reload" | "restart" | "reset-failed",
                *_,
            ]:
                return 0, ""
        return 1, f"fake sudo: not allowed: {argv}"

    def current(self) -> str:
        return os.readlink(self.shop / "current")

    def close(self) -> None:
        if self.unit is not None:
            self.unit.stop()
        if self._server is not None:
            self._server.shutdown()

"""Where Reflex keeps the tabs' states (rxconfig.py): in memory outside development (its disk
manager re-lists every saved state every 2 s, costing CPU per idle tab), on disk in
development (states survive hot reloads), in Redis whenever REFLEX_REDIS_URL is set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def state_manager(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("ENVIRONMENT", "REFLEX_REDIS_URL")}
    clean.update(env)
    code = (
        "import rxconfig\n"
        "from reflex.istate.manager import StateManager\n"
        "print(type(StateManager.create()).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_memory_outside_development():
    assert state_manager(ENVIRONMENT="test") == "StateManagerMemory"
    assert state_manager(ENVIRONMENT="production") == "StateManagerMemory"


def test_disk_in_development():
    assert state_manager(ENVIRONMENT="development") == "StateManagerDisk"
    assert state_manager() == "StateManagerDisk"  # the default environment


def test_redis_when_configured():
    found = state_manager(ENVIRONMENT="production", REFLEX_REDIS_URL="redis://127.0.0.1:6379/0")
    assert found == "StateManagerRedis"

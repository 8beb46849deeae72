"""CORS (Reflex's, from rxconfig.py): the app's own origins unless CORS_ALLOWED_ORIGINS says
otherwise; never `*` (which Reflex echoes with allow-credentials)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def origins(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CORS_ALLOWED_ORIGINS",)}
    clean.update(env)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, rxconfig; print(json.dumps(list(rxconfig.config.cors_allowed_origins)))",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_is_the_apps_own_origins():
    found = origins(
        PUBLIC_BASE_URL="https://shop.example.ph/", API_BASE_URL="https://api.example.ph/x"
    )
    assert sorted(found) == ["https://api.example.ph", "https://shop.example.ph"]


def test_explicit_origins_win():
    found = origins(CORS_ALLOWED_ORIGINS="https://a.example.ph, https://b.example.ph")
    assert found == ["https://a.example.ph", "https://b.example.ph"]

"""How tests and benchmarks launch Chromium on these machines (see ../shared/SETUP-NOTES.md)."""

from __future__ import annotations

import os
import shutil

# Without the background-networking flags Chromium floods a closed network with refused
# connections.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_options() -> dict:
    """Playwright launch options: the system Chromium when there is one, else Playwright's."""
    system = os.getenv("CHROMIUM_PATH") or shutil.which("chromium")
    options: dict = {"args": list(CHROMIUM_FLAGS)}
    if system:
        options["executable_path"] = system
    return options

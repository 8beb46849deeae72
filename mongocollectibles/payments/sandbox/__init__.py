"""A local PayMongo sandbox: same endpoints, JSON shapes and signed webhooks.

Standalone: ``python -m mongocollectibles.payments.sandbox --port 8090 ...``;
embedded: ``app.mount("/paymongo-sandbox", create_sandbox_app(...))``.
"""

from .app import create_sandbox_app
from .models import DEFAULT_METHODS, DEFAULT_RETRY_DELAYS, Faults, SandboxConfig, format_php
from .service import Sandbox

__all__ = [
    "DEFAULT_METHODS",
    "DEFAULT_RETRY_DELAYS",
    "Faults",
    "Sandbox",
    "SandboxConfig",
    "create_sandbox_app",
    "format_php",
]

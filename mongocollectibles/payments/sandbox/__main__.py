"""Run the PayMongo sandbox standalone with uvicorn.

    python -m mongocollectibles.payments.sandbox --port 8090 \
        --webhook-url http://127.0.0.1:8000/api/webhooks/paymongo \
        --secret-key sk_test_... --webhook-secret whsk_...
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from .app import create_sandbox_app
from .models import DEFAULT_METHODS


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m mongocollectibles.payments.sandbox",
        description="Local PayMongo sandbox (checkout sessions, refunds, signed webhooks).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--webhook-url",
        default=env("PAYMONGO_SANDBOX_WEBHOOK_URL", ""),
        help="where events are POSTed (empty: events are only recorded)",
    )
    parser.add_argument(
        "--secret-key",
        default=env("PAYMONGO_SECRET_KEY"),
        help="secret key clients must use (default: $PAYMONGO_SECRET_KEY)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=env("PAYMONGO_WEBHOOK_SECRET"),
        help="webhook signing secret (default: $PAYMONGO_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="URL browsers use to reach the sandbox (default: http://HOST:PORT)",
    )
    parser.add_argument("--live", action="store_true", help="sign events as live mode (li=)")
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help="comma-separated payment method types the account allows",
    )
    parser.add_argument(
        "--webhook-timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the webhook receiver per attempt",
    )
    args = parser.parse_args(argv)
    if not args.secret_key or not args.webhook_secret:
        parser.error("--secret-key and --webhook-secret are required (or set the env vars)")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    args = parse_args(argv)
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    app = create_sandbox_app(
        secret_key=args.secret_key,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        public_url=public_url,
        livemode=args.live,
        allowed_methods=tuple(m.strip() for m in args.methods.split(",") if m.strip()),
        webhook_timeout=args.webhook_timeout,
    )
    print(f"PayMongo sandbox on {public_url} (webhooks -> {args.webhook_url or 'nowhere'})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

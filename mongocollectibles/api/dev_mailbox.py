"""GET /api/dev/mailbox: what the embedded development mail server received (development and
test only; never mounted in production). JSON at /api/dev/mailbox.json for tests."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from mongocollectibles.api.envelope import ok
from mongocollectibles.mail.dev_server import read_mailbox
from mongocollectibles.settings import get_settings

router = APIRouter(prefix="/api/dev", tags=["development"], include_in_schema=False)


def _folder() -> Path:
    return Path(get_settings().mailbox_dir)


@router.get("/mailbox.json")
async def mailbox_json() -> Response:
    return ok(
        [
            {
                "message_id": m.message_id,
                "from": m.sender,
                "to": m.to,
                "subject": m.subject,
                "date": m.date.isoformat() if m.date else None,
                "text": m.text,
                "html": m.html,
            }
            for m in read_mailbox(_folder())
        ]
    )


@router.get("/mailbox", response_class=HTMLResponse)
async def mailbox_page() -> HTMLResponse:
    e = html.escape
    items = "".join(
        "<li><details><summary>"
        f"<strong>{e(m.subject)}</strong> to {e(m.to)} "
        f"<time>{e(m.date.isoformat() if m.date else '')}</time></summary>"
        f"<pre>{e(m.text)}</pre>"
        f'<iframe title="HTML version of {e(m.subject)}" sandbox="" srcdoc="{e(m.html)}" '
        'style="width:100%;height:480px;border:1px solid #ccc"></iframe>'
        "</details></li>"
        for m in read_mailbox(_folder())
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Development mailbox - MongoCollectibles</title></head>"
        '<body style="font-family:sans-serif;max-width:900px;margin:auto;padding:16px">'
        "<main><h1>Development mailbox</h1>"
        "<p>Every email the app sent to the embedded mail server, newest first. "
        "This page does not exist in production.</p>"
        + (f'<ul aria-label="Messages">{items}</ul>' if items else "<p>No messages yet.</p>")
        + "</main></body></html>"
    )
    return HTMLResponse(body)

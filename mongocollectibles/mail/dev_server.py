"""The embedded development mail server: a real SMTP server (aiosmtpd) that keeps every
message it receives in a Maildir folder, and a reader for the dev-only mailbox page.

Never used in production (the settings pick it only outside production, when no SMTP host
or email API is configured)."""

from __future__ import annotations

import logging
import mailbox
import socket
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _MaildirHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(folder), create=True)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.maildir.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class DevMailServer:
    """aiosmtpd in its own thread on host:port; messages land in `folder` (a Maildir)."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
        from aiosmtpd.controller import Controller

        self.folder = folder
        self.controller = Controller(_MaildirHandler(folder), hostname=host, port=port)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> DevMailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_dev_mail_server(folder: Path, host: str, port: int) -> DevMailServer | None:
    """Start it, or None when the port is taken (another app process already serves it)."""
    try:
        return DevMailServer(folder, host, port).start()
    except (OSError, RuntimeError) as error:
        log.warning("development mail server not started on %s:%s: %s", host, port, error)
        return None


@dataclass(frozen=True)
class ReceivedMail:
    key: str
    message_id: str
    sender: str
    to: str
    subject: str
    date: datetime | None
    text: str
    html: str


def _part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None and body.get_content_subtype() == subtype else ""


def read_mailbox(folder: Path) -> list[ReceivedMail]:
    """Every message received, newest first."""
    if not folder.exists():
        return []
    received = []
    for key, raw in mailbox.Maildir(str(folder), create=False).items():
        message = message_from_bytes(raw.as_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        try:
            date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
        except (TypeError, ValueError):
            date = None
        received.append(
            ReceivedMail(
                key=key,
                message_id=str(message["Message-ID"] or ""),
                sender=str(message["From"] or ""),
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                date=date,
                text=_part(message, "plain"),
                html=_part(message, "html"),
            )
        )
    received.sort(key=lambda m: (m.date is not None, m.date), reverse=True)
    return received

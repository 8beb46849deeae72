"""One email as the outbox hands it to a transport, and its MIME form (plain text + HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


@dataclass(frozen=True)
class OutgoingMail:
    outbox_id: int
    message_id: str  # derived from the outbox row: the same row always has the same id
    sender: str
    to: str
    subject: str
    text: str
    html: str
    created_at: datetime


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.created_at)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message

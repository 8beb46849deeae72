"""Sending email: the message a worker hands over (`OutgoingMail`), transports (SMTP, an email
API over HTTPS) and the embedded development mail server. Imports nothing from services."""

from mongocollectibles.mail.message import OutgoingMail, build_message
from mongocollectibles.mail.transport import (
    HttpApiTransport,
    MailError,
    MailTransport,
    SmtpTransport,
)

__all__ = [
    "HttpApiTransport",
    "MailError",
    "MailTransport",
    "OutgoingMail",
    "SmtpTransport",
    "build_message",
]

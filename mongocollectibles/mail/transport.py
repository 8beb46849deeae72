"""Transports: SMTP (smtplib, off the event loop) and an email service's HTTPS API.

A transport raises MailError on failure; `permanent` says retrying will not help (e.g. the
server refused the recipient). Anything else is retried by the outbox worker."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from typing import Protocol

import httpx

from mongocollectibles.mail.message import OutgoingMail, build_message


class MailError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class MailTransport(Protocol):
    async def send(self, mail: OutgoingMail) -> None: ...


class SmtpTransport:
    """SMTP with optional STARTTLS / implicit TLS and login. One connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        implicit_tls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.timeout = timeout

    def _send_blocking(self, mail: OutgoingMail) -> None:
        message = build_message(mail)
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls and not self.implicit_tls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)

    async def send(self, mail: OutgoingMail) -> None:
        try:
            await asyncio.to_thread(self._send_blocking, mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise MailError(f"recipient refused: {error.recipients}", permanent=True) from error
        except smtplib.SMTPResponseException as error:
            permanent = 500 <= error.smtp_code < 600
            raw = error.smtp_error
            text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            raise MailError(f"SMTP {error.smtp_code}: {text}", permanent=permanent) from error
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, dropped
            raise MailError(f"SMTP {self.host}:{self.port} unreachable: {error}") from error


class HttpApiTransport:
    """An email service's HTTPS API taking JSON {from, to, subject, text, html, headers} with a
    Bearer key (the shape several transactional-mail services accept). Used where outbound
    SMTP ports are blocked (e.g. on a DigitalOcean droplet)."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 15.0) -> None:
        self.url = url
        self.api_key = api_key
        self.timeout = timeout

    async def send(self, mail: OutgoingMail) -> None:
        body = {
            "from": mail.sender,
            "to": [mail.to],
            "subject": mail.subject,
            "text": mail.text,
            "html": mail.html,
            "headers": {"Message-ID": mail.message_id},
        }
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            # Services that support it drop a repeat of the same message.
            "Idempotency-Key": mail.message_id,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise MailError(f"email API unreachable: {error}") from error
        if answer.status_code >= 300:
            permanent = 400 <= answer.status_code < 500 and answer.status_code not in (408, 429)
            raise MailError(
                f"email API answered {answer.status_code}: {answer.text[:200]}",
                permanent=permanent,
            )

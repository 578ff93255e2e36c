"""Senders: the one small interface every mail goes out through, and its two implementations.

- `SmtpSender`: aiosmtplib, STARTTLS or implicit TLS, optional login; one connection per mail
  (mail is rare here: a pooled connection would mostly be an idle one the server drops).
- `FileSender`: development without SMTP_HOST; each message becomes an `.eml` file in MAIL_DIR
  and a log line naming it (never the body: it may hold a link with a token).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from blog_api.core.config import Settings
from blog_api.mail.message import MailMessage

logger = logging.getLogger("blog_api.mail")


class DeliveryError(Exception):
    """The message was not accepted; `permanent` ones (a refused recipient) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def build_email(message: MailMessage, *, sender: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML preferred by capable clients."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to these
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


class MailSender(ABC):
    """Sends one rendered message; raises `DeliveryError` when it was not accepted."""

    @abstractmethod
    async def send(self, message: MailMessage) -> None:
        """Hand `message` over for delivery."""


class SmtpSender(MailSender):
    """An SMTP submission server (aiosmtplib)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: MailMessage) -> None:
        s = self.settings
        email = build_email(message, sender=s.mail_from)
        try:
            await aiosmtplib.send(
                email,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is a final "no" (bad address, policy); 4xx is "try later".
            detail = f"SMTP {exc.code}: {exc.message}"
            raise DeliveryError(detail, permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc}") from exc


class FileSender(MailSender):
    """Development: write each message to `directory` as an .eml file and log where."""

    def __init__(self, directory: Path, *, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, message: MailMessage) -> None:
        email = build_email(message, sender=self.sender)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{abs(hash(email['Message-ID'])) % 10**8:08d}.eml"
        await asyncio.to_thread(self._write, path, email.as_bytes())
        logger.info(
            "mail written (no SMTP_HOST)",
            extra={"to": message.to, "subject": message.subject, "path": str(path)},
        )

    def _write(self, path: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o600)  # it may hold a token


def sender_for(settings: Settings) -> MailSender:
    """SMTP when SMTP_HOST is set, the mail directory otherwise."""
    if settings.uses_smtp:
        return SmtpSender(settings)
    return FileSender(settings.mail_dir, sender=settings.mail_from)

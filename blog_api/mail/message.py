"""What travels through the mail queue (`MailJob`) and what a sender sends (`MailMessage`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import BaseModel, Field


class MailJob(BaseModel):
    """One mail to send: a template, a recipient and the values the template needs.

    `context` may hold secrets (a verification or reset link): a job travels only through the
    mail queue (its own Redis stream, never the event stream clients read) and the dead-letter
    record keeps everything but the context.
    """

    id: str = Field(default_factory=lambda: secrets.token_hex(8))
    template: str
    to: str
    context: dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class MailMessage:
    """A rendered mail: both bodies are always present (multipart/alternative)."""

    to: str
    subject: str
    text: str
    html: str

"""Account flows: the app sends its mail to a real local SMTP server the tests read."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from httpx import AsyncClient

from tests.smtp import SmtpServer, text_body

PASSWORD = "Correct-horse-42"
NEW_PASSWORD = "Another-battery-77"
_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


@pytest.fixture
def settings_overrides(smtp_server: SmtpServer) -> dict[str, Any]:
    return {**smtp_server.settings, "frontend_url": "https://front.example"}


def token_in(message: EmailMessage) -> str:
    """The token of the link in a mail."""
    match = _TOKEN.search(text_body(message))
    assert match, text_body(message)
    return match.group(1)


async def register(client: AsyncClient, name: str = "ada") -> dict[str, Any]:
    body = {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    resp = await client.post("/api/auth/register", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    resp = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}

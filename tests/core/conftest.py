"""Fixtures shared by the core tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from blog_api.core.logging import JsonFormatter


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted exactly as production writes it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)

"""Shared fixtures: a real fake OpenAI-compatible server on 127.0.0.1, one per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_server import FakeOpenAIServer  # noqa: E402


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """Started before the test, stopped after it (hanging handlers are released)."""
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()

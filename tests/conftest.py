"""Shared fixtures: a real fake OpenAI-compatible server on 127.0.0.1, one per test, and
the folder of unreadable article files that every backend must refuse the same way."""

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


# What every reader must turn into a failure record, never a crash or a guessed decoding:
# no text at all, bytes that are not text, and Latin-1 where UTF-8 is required.
UNREADABLE = {"empty": b"", "binary": bytes(range(256)) * 4, "latin1": b"Peskov said the caf\xe9 was shut."}


@pytest.fixture
def unreadable_inputs(tmp_path: Path) -> Path:
    """tmp_path/in holding the UNREADABLE files; a test adds the readable ones it needs."""
    d = tmp_path / "in"
    d.mkdir()
    for name, data in UNREADABLE.items():
        (d / f"{name}.txt").write_bytes(data)
    return d

"""Fixtures for tests that talk to a real llama.cpp server (marker ``integration``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .llama_server import Server, llama_server, missing_requirement


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module: loading the model takes a few seconds, requests are what we test."""
    why = missing_requirement()
    if why:
        pytest.skip(why)
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(log) as srv:
        yield srv

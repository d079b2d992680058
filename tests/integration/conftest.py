"""Fixtures for tests that talk to a real llama.cpp server (marker ``integration``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .llama_server import Server, llama_server, missing_requirement


def _started(tmp_path_factory: pytest.TempPathFactory, name: str, **options: object) -> Iterator[Server]:
    why = missing_requirement()
    if why:
        pytest.skip(why)
    with llama_server(tmp_path_factory.mktemp(name) / "server.log", **options) as srv:  # type: ignore[arg-type]
        yield srv


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module: loading the model takes a few seconds, requests are what we test."""
    yield from _started(tmp_path_factory, "llama")


@pytest.fixture(scope="module")
def embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server with ``/v1/embeddings`` on, for the embedding similarity."""
    yield from _started(tmp_path_factory, "llama-embed", n_ctx=2048, embedding=True)

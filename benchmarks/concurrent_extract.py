"""The one way the LLM benchmarks drive a backend: N articles at once, failures counted, not raised."""

from __future__ import annotations

import asyncio
from typing import Any


async def extract_all(backend: Any, articles: list[Any], concurrency: int) -> int:
    """Run ``backend.aextract`` over ``articles`` with at most ``concurrency`` in flight; return the failures."""
    sem = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(a: Any) -> None:
        nonlocal failures
        async with sem:
            try:
                await backend.aextract(a)
            except Exception:  # ExtractionError and the like: a benchmark counts them, it does not stop
                failures += 1

    await asyncio.gather(*(one(a) for a in articles))
    return failures

"""The one way the LLM benchmarks drive a backend: N articles at once, failures counted, not raised."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from claims.extract.places import Places


async def extract_all(backend: Any, articles: list[Any], concurrency: int) -> int:
    """Run ``backend.aextract`` over ``articles`` with at most ``concurrency`` in flight, as
    the toolkit's own runners do (``Places``); return the failures."""
    places = Places(concurrency)
    got = await asyncio.gather(*(places.run(partial(backend.aextract, a)) for a in articles), return_exceptions=True)
    # ExtractionError and the like: a benchmark counts them, it does not stop
    return sum(isinstance(g, Exception) for g in got)

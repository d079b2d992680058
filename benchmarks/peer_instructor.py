"""Instructor driven the way its users drive it, for `llm_throughput.py`: run in the
benchmark's own environment (benchmarks/.peers, made by llm_throughput.py), never
imported by the project. Reads a JSON job on stdin: base_url, model, concurrency and
the messages of each article's request; prints {"seconds", "cpu", "failures"}.

The response model mirrors the project's `ModelOutput` (a copy: the project is not
installed in this environment); Instructor's default mode for OpenAI (a forced tool
call) and its default retries apply.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Literal

import instructor
import openai
from pydantic import BaseModel


class PeerClaim(BaseModel):
    statement: str
    quote: str
    claimant_text: str | None
    claimant_name: str | None
    claimant_type: Literal["person", "organization", "government", "media", "anonymous", "author", "unknown"]
    claimant_role: str | None
    cue: str | None
    attribution: Literal["direct", "indirect", "unattributed"]
    certainty: Literal["asserted", "hedged", "denied"]


class ModelOutput(BaseModel):
    claims: list[PeerClaim]


async def main() -> None:
    job = json.load(sys.stdin)
    client = instructor.from_openai(openai.AsyncOpenAI(base_url=job["base_url"], api_key="sk-no-key-local"))
    sem = asyncio.Semaphore(job["concurrency"])
    failures = 0

    async def one(messages: list[dict]) -> None:
        nonlocal failures
        async with sem:
            try:
                await client.chat.completions.create(model=job["model"], response_model=ModelOutput, messages=messages)
            except Exception:
                failures += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(m) for m in job["messages"]))
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0, "failures": failures}))


if __name__ == "__main__":
    asyncio.run(main())

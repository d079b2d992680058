"""Throughput of the OpenAI backend against a real llama.cpp server (SmolLM2-135M, CPU).

Starts ``python -m llama_cpp.server`` itself, then for each concurrency level runs
the seed articles twice: through our backend (``await backend.aextract(article)``
under a semaphore, cache off) and through the bare ``openai`` client sending the
backend's first request for each article (same messages, mode, max_tokens, seed).
Prints articles/s, requests and completion tokens/s for both, so client overhead
and the backend's extra requests (re-asks, truncation splits) can be told apart
from server speed. llama-cpp-python serves one request at a time, so concurrency
above 1 only queues requests at the server.

    python benchmarks/llamacpp_throughput.py [--articles 2] [--levels 1,4] [--max-tokens 64] [--mode json_object]

Needs the integration extra: pip install -e '.[integration]'.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.kernel.articles import Article, load_articles  # noqa: E402
from tests.integration.llama_server import llama_server, missing_requirement  # noqa: E402


@dataclass
class Result:
    wall: float
    articles: int
    failures: int
    requests: int
    completion_tokens: int

    def line(self, label: str) -> str:
        return (
            f"{label:<22} {self.articles / self.wall:7.3f} articles/s  {self.completion_tokens / self.wall:7.1f} completion tok/s  "
            f"{self.requests:3d} requests  {self.wall / max(1, self.requests):5.1f} s/request  {self.failures} failed  ({self.wall:.1f}s)"
        )


def backend_options(base_url: str, model: str, args: argparse.Namespace, concurrency: int) -> dict[str, Any]:
    return dict(
        model=model, base_url=base_url, mode=args.mode, cache="off", max_tokens=args.max_tokens, seed=1,
        max_reasks=0, max_attempts=1, timeout=900.0, jobs=concurrency,
        chunk_chars=20000,  # one chunk per seed article, as the raw client sends
    )


async def run_backend(base_url: str, model: str, articles: list[Article], args: argparse.Namespace, concurrency: int) -> Result:
    from concurrent_extract import extract_all  # benchmarks/, the script's own folder

    from claims.extract.backends import build_backend

    backend = build_backend(backend="openai", **backend_options(base_url, model, args, concurrency))
    t0 = time.perf_counter()
    failures = await extract_all(backend, articles, concurrency)  # a 135M model often truncates
    wall = time.perf_counter() - t0
    stats = backend.run_stats()
    await backend.aclose()
    return Result(wall, len(articles), failures, stats["requests"], stats["completion_tokens"])


def first_requests(base_url: str, model: str, articles: list[Article], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The body of the backend's first request for each article, built by the backend's own code."""
    from claims.extract.backends import build_backend
    from claims.extract.chunking import chunk_text
    from claims.extract.pipeline import chunk_context
    from claims.extract.providers.chat import build_request_body

    backend = build_backend(backend="openai", **backend_options(base_url, model, args, 1))
    stage = backend.template.stages[0]
    mode = "json_object" if args.mode == "auto" else args.mode
    bodies = []
    for a in articles:
        chunk = chunk_text(a.text, 20000, 0)[0]
        bodies.append(build_request_body(
            model=model, messages=stage.render(chunk_context(a, chunk)), mode=mode, output_model=stage.output_model,
            temperature=0.0, max_tokens=args.max_tokens, seed=1,
        ))
    return bodies


async def run_raw(base_url: str, bodies: list[dict[str, Any]], concurrency: int) -> Result:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-no-key", max_retries=0, timeout=900.0)
    sem = asyncio.Semaphore(concurrency)
    tokens = 0
    failures = 0

    async def one(body: dict[str, Any]) -> None:
        nonlocal tokens, failures
        async with sem:
            try:
                resp = await client.chat.completions.create(**body)
                tokens += resp.usage.completion_tokens if resp.usage else 0
            except openai.APIError:
                failures += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(one(b) for b in bodies))
    wall = time.perf_counter() - t0
    await client.close()
    return Result(wall, len(bodies), failures, len(bodies), tokens)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2, help="How many seed articles (shortest first).")
    ap.add_argument("--levels", default="1,4", help="Concurrency levels, comma-separated.")
    ap.add_argument("--max-tokens", type=int, default=64, help="Small: the 135M model rarely stops on its own.")
    ap.add_argument("--mode", default="json_object", help="json_object, tools or text (llama-cpp-python refuses json_schema).")
    args = ap.parse_args()
    why = missing_requirement()
    if why:
        print(f"skipped: {why}", file=sys.stderr)
        return 2
    paths = sorted((ROOT / "gold" / "articles").glob("*.txt"), key=lambda p: p.stat().st_size)[: args.articles]
    articles = load_articles(paths)
    levels = [int(x) for x in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp, llama_server(Path(tmp) / "server.log") as server:
        bodies = first_requests(server.base_url, server.model, articles, args)
        prompt_chars = sum(len(m["content"]) for b in bodies for m in b["messages"]) // len(bodies)
        print(f"llama.cpp server {server.base_url}, model {server.model}, {len(articles)} articles, mode {args.mode}, "
              f"max_tokens {args.max_tokens}, ~{prompt_chars} prompt chars per request")
        asyncio.run(run_raw(server.base_url, bodies[:1], 1))  # warm-up: model pages, the prompt prefix cache
        for c in levels:
            print(asyncio.run(run_raw(server.base_url, bodies, c)).line(f"raw openai, conc {c}"))
            print(asyncio.run(run_backend(server.base_url, server.model, articles, args, c)).line(f"claims backend, conc {c}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

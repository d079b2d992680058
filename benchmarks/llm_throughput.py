"""Throughput of the OpenAI backend against a local fake server with fixed latency.

The ideal for N articles in flight, each one request of L seconds, is N / L articles
per second; the ratio to it is what the client stack (SDK, retry layer, parsing,
grounding) costs. By default the fake server runs in this process (a thread), so its
own CPU shares the interpreter with the client: the figure is a lower bound;
``--server process`` puts it in another process (on another core, if there is one),
and then "cpu ms/art" is the client's alone.

The "ceiling" column is what the same fake server allows at all: a bare asyncio
socket client (no SDK, no parsing, no grounding) sending the backend's own request
bodies at the same concurrency. On a small machine the server, not the client,
caps the ratio at high concurrency; compare the two.

    python benchmarks/llm_throughput.py [--latency 0.2] [--articles 300] [--levels 1,8,64] [--server thread|process]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from concurrent_extract import extract_all  # noqa: E402  (benchmarks/, the script's own folder)
from fake_server import FakeOpenAIServer  # noqa: E402
from process_server import ProcessServer  # noqa: E402

from claims.extract.backends import build_backend  # noqa: E402
from claims.kernel.articles import Article, load_articles  # noqa: E402


async def drive(backend, articles: list[Article], concurrency: int) -> tuple[float, int, float]:
    # warm-up: connections, template compilation, first-call imports
    await extract_all(backend, articles[: min(concurrency, len(articles))], concurrency)
    cpu0, t0 = time.process_time(), time.perf_counter()
    failures = await extract_all(backend, articles, concurrency)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    await backend.aclose()
    return wall, failures, cpu


def start_server(kind: str, latency: float):
    if kind == "process":
        return ProcessServer(latency)
    server = FakeOpenAIServer(latency=latency).start()
    server.record = False
    return server


async def ceiling(base_url: str, bodies: list[bytes], n: int, concurrency: int) -> float:
    """Seconds for n requests through bare keep-alive sockets, `concurrency` at a time."""
    host, _, port = base_url.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    left = n

    async def connection() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, int(port))
        while left > 0:
            left -= 1
            body = bodies[left % len(bodies)]
            head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            writer.write(head.encode() + body)
            await writer.drain()
            headers = await reader.readuntil(b"\r\n\r\n")
            length = next(int(h.split(b":")[1]) for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - t0


def request_bodies(backend, articles: list[Article]) -> list[bytes]:
    """The backend's first request body for each distinct article (what the ceiling client sends)."""
    import json

    from claims.extract.backends.openai import build_request_body, chunk_context
    from claims.extract.chunking import chunk_text

    stage = backend.template.stages[0]
    out = []
    for a in {a.text: a for a in articles}.values():
        chunk = chunk_text(a.text, backend.chunk_chars, backend.chunk_overlap)[0]
        body = build_request_body(
            model=backend.model, messages=stage.render(chunk_context(a, chunk)), mode="json_schema", output_model=stage.output_model,
            temperature=backend.temperature, max_tokens=backend.max_tokens, seed=backend.seed,
        )
        out.append(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--levels", default="1,8,64")
    ap.add_argument("--prompt", default="claims-direct")
    ap.add_argument("--server", choices=("thread", "process"), default="thread",
                    help="thread: the fake server shares this interpreter (and its GIL); process: a separate process")
    args = ap.parse_args()
    seeds = load_articles([ROOT / "gold" / "articles"])
    server = start_server(args.server, args.latency)
    print(f"fake server ({args.server}) latency {args.latency * 1000:.0f} ms, prompt {args.prompt}, cache off")
    print(f"{'concurrency':>11} {'articles':>8} {'seconds':>8} {'art/s':>8} {'ideal':>8} {'ratio':>6} {'ceiling':>7} {'cpu ms/art':>10} failures")
    try:
        for level in (int(x) for x in args.levels.split(",")):
            n = max(level, 30) if level == 1 else args.articles
            arts = [Article(id=f"a{i}", text=seeds[i % len(seeds)].text, title=seeds[i % len(seeds)].title) for i in range(n)]
            with tempfile.TemporaryDirectory() as tmp:
                backend = build_backend(backend="openai", model="fake-model", base_url=server.base_url, prompt=args.prompt, mode="json_schema",
                    cache="off", cache_dir=Path(tmp), jobs=level,
                )
                wall, failures, cpu = asyncio.run(drive(backend, arts, level))
            requests_per_article = len(backend.template.stages)
            rate = n / wall
            ideal = level / (args.latency * requests_per_article)
            requests = n * requests_per_article
            bare = asyncio.run(ceiling(server.base_url, request_bodies(backend, arts), requests, level))
            bare_ratio = (requests / bare) / (level / args.latency)
            print(f"{level:>11} {n:>8} {wall:>8.2f} {rate:>8.1f} {ideal:>8.1f} {rate / ideal:>6.2f} {bare_ratio:>7.2f} {cpu / n * 1000:>10.2f} {failures}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

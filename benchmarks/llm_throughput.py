"""Throughput of the OpenAI backend against a local fake server with fixed latency.

The ideal for N articles in flight, each one request of L seconds, is N / L articles
per second; the ratio to it is what the client stack (SDK, retry layer, parsing,
grounding) costs. The fake server runs in this process (a thread), so its own CPU
shares the interpreter with the client: the figure is a lower bound.

    python benchmarks/llm_throughput.py [--latency 0.2] [--articles 300] [--levels 1,8,64]
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

from fake_server import FakeOpenAIServer  # noqa: E402

from extract.articles import Article, load_articles  # noqa: E402
from extract.backends import get_backend  # noqa: E402


async def drive(backend, articles: list[Article], concurrency: int) -> tuple[float, int, float]:
    sem = asyncio.Semaphore(concurrency)
    failures = 0

    async def one(a: Article) -> None:
        nonlocal failures
        async with sem:
            try:
                await backend.aextract(a)
            except Exception:
                failures += 1

    # warm-up: connections, template compilation, first-call imports
    await asyncio.gather(*(one(a) for a in articles[: min(concurrency, len(articles))]))
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(a) for a in articles))
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    await backend.aclose()
    return wall, failures, cpu


class _ProcessServer:
    def __init__(self, latency: float):
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "fake_server.py"), "--port", "0", "--latency", str(latency)],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()  # "fake OpenAI server on http://127.0.0.1:PORT/v1 ..."
        self.base_url = line.split(" on ")[1].split()[0]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def start_server(kind: str, latency: float):
    if kind == "process":
        return _ProcessServer(latency)
    server = FakeOpenAIServer(latency=latency).start()
    server.record = False
    return server


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
    print(f"{'concurrency':>11} {'articles':>8} {'seconds':>8} {'art/s':>8} {'ideal':>8} {'ratio':>6} {'cpu ms/art':>10} failures")
    try:
        for level in (int(x) for x in args.levels.split(",")):
            n = max(level, 30) if level == 1 else args.articles
            arts = [Article(id=f"a{i}", text=seeds[i % len(seeds)].text, title=seeds[i % len(seeds)].title) for i in range(n)]
            with tempfile.TemporaryDirectory() as tmp:
                backend = get_backend(
                    "openai", model="fake-model", base_url=server.base_url, prompt=args.prompt, mode="json_schema",
                    cache="off", cache_dir=Path(tmp), concurrency=level,
                )
                wall, failures, cpu = asyncio.run(drive(backend, arts, level))
            requests_per_article = len(backend.template.stages)
            rate = n / wall
            ideal = level / (args.latency * requests_per_article)
            print(f"{level:>11} {n:>8} {wall:>8.2f} {rate:>8.1f} {ideal:>8.1f} {rate / ideal:>6.2f} {cpu / n * 1000:>10.2f} {failures}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

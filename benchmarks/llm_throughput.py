"""Client cost of an LLM job, measured side by side in one run against one fake server.

The fake server runs in its own process with a fixed latency; each article is one
request, so the ideal is (in flight) / latency articles per second. Each level's job is
``--rounds`` rounds of requests (100: 800 articles at 8 in flight, 6,400 at 64, ~20 s
each), so that the command's fixed start (~0.2 s of its job clock: aiohttp's import, the
workers' fork) weighs the same at every level, ~1%; with a fixed ``--articles 300`` it was
2% of the job at 8, 8% at 32 and 13% at 64, and 0.95 of the ceiling at 32 was out of reach
however fast the rounds (the SDK row is timed after a warm-up: no start at all).
At each level the same articles go through, one after the other:

- ceiling: a bare asyncio socket client sending the same request bodies (no SDK, no
  parsing): what the server and this machine allow at all;
- openai SDK: the plain `AsyncOpenAI.chat.completions.create` with those bodies;
- instructor: Instructor as its users drive it (its own environment, benchmarks/.peers,
  made on first use with `pip install instructor`; `--no-peers` skips it);
- claims backend: the OpenAI backend in this process (default mode auto, cache off);
- claims extract: the `claims extract` command with default flags (as a user runs it:
  auto mode, the response cache on in a fresh working directory; the job's time from the
  manifest), and the same with `--mode json_schema`.

"of ceiling" is a row's rate over the ceiling's; "cpu ms/art" is the client's CPU per
article (this process for the in-process rows, the child's for the others, start-up
included for the command; the ceiling's is the floor, its sockets and event loop alone);
"no start" is the command's with its start-up (the CPU of a one-article run, measured
first) taken out: what each article of a long job adds. Every row's CPU carries what
waking from idle costs at low concurrency (``benchmarks/idle_cost.py``).

    python benchmarks/llm_throughput.py [--latency 0.2] [--rounds 100 | --articles N] [--levels 8,32,64] [--repeats 1] [--no-peers]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from concurrent_extract import extract_all  # noqa: E402  (benchmarks/, the script's own folder)
from process_server import ProcessServer  # noqa: E402

from claims.extract.backends import build_backend  # noqa: E402
from claims.extract.chunking import chunk_text  # noqa: E402
from claims.extract.pipeline import chunk_context, default_max_tokens  # noqa: E402
from claims.extract.prompts import load_template  # noqa: E402
from claims.extract.providers.chat import build_request_body  # noqa: E402
from claims.kernel.articles import Article, load_articles  # noqa: E402

PEERS = HERE / ".peers"
MODEL = "fake-model"


def articles(n: int) -> list[Article]:
    seeds = load_articles([ROOT / "gold" / "articles"])
    return [Article(id=f"b{i:05d}", text=f"DISPATCH {i}\n\n{seeds[i % len(seeds)].text}") for i in range(n)]


def request_messages(arts: list[Article]) -> list[list[dict]]:
    stage = load_template("claims-direct").stages[0]
    return [stage.render(chunk_context(a, chunk_text(a.text, 6000, 500)[0])) for a in arts]


def bodies(messages: list[list[dict]]) -> list[dict]:
    stage = load_template("claims-direct").stages[0]
    return [build_request_body(model=MODEL, messages=m, mode="json_schema", output_model=stage.output_model, temperature=0.0,
                               max_tokens=default_max_tokens(len(m[-1]["content"])), seed=None) for m in messages]


async def ceiling(base_url: str, payloads: list[bytes], concurrency: int) -> tuple[float, float]:
    """Seconds and CPU seconds for the requests through bare keep-alive sockets, `concurrency`
    at a time: the CPU is the floor of any client on this machine (the sockets' system
    calls and the event loop, nothing parsed)."""
    host, _, port = base_url.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    left = len(payloads)

    async def connection() -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(host, int(port))
        while left > 0:
            left -= 1
            body = payloads[left]
            head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            writer.write(head.encode() + body)
            await writer.drain()
            headers = await reader.readuntil(b"\r\n\r\n")
            length = next(int(h.split(b":")[1]) for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
        writer.close()

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - t0, time.process_time() - cpu0


async def sdk(base_url: str, reqs: list[dict], concurrency: int) -> tuple[float, float]:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-no-key-local", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one(body: dict) -> None:
        async with sem:
            await client.chat.completions.create(**body)

    await one(reqs[0])  # warm-up: connection, first-call imports
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(b) for b in reqs))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await client.close()
    return wall, cpu


async def backend_row(base_url: str, arts: list[Article], concurrency: int, cache_dir: Path) -> tuple[float, float, int]:
    be = build_backend(backend="openai", model=MODEL, base_url=base_url, cache="off", cache_dir=cache_dir, jobs=concurrency)
    await extract_all(be, arts[: min(concurrency, len(arts))], concurrency)  # warm-up and the mode probe
    cpu0, t0 = time.process_time(), time.perf_counter()
    failures = await extract_all(be, arts, concurrency)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await be.aclose()
    return wall, cpu, failures


def peer_python() -> Path | None:
    """benchmarks/.peers/bin/python with Instructor installed, made on first use."""
    py = PEERS / "bin" / "python"
    if not py.exists():
        print(f"(making {PEERS} for the Instructor row: pip install instructor)", flush=True)
        venv.create(PEERS, with_pip=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "instructor"], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"(Instructor could not be installed; its row is left out: {r.stderr.strip().splitlines()[-1:]})")
            return None
    return py


def instructor_row(py: Path, base_url: str, messages: list[list[dict]], concurrency: int) -> tuple[float, float, int]:
    job = {"base_url": base_url, "model": MODEL, "concurrency": concurrency, "messages": messages}
    r = subprocess.run([str(py), str(HERE / "peer_instructor.py")], input=json.dumps(job), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-1000:])
    out = json.loads(r.stdout)
    return out["seconds"], out["cpu"], out["failures"]


def cli_row(src: Path, run: Path, base_url: str, concurrency: int, *extra: str) -> tuple[float, float, int]:
    """The command as a user types it: no --cache flag, so the default cache (on) in the
    working directory, here a fresh one per row: every answer is asked and written."""
    # no key from the caller; bytecode cached as an installed package has it
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_") and k != "PYTHONDONTWRITEBYTECODE"}
    cwd = run.with_name(run.name + "-cwd")
    cwd.mkdir(parents=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([sys.executable, "-m", "claims.cli.main", "extract", str(src), "-o", str(run), "--backend", "openai",
                        "--base-url", base_url, "--model", MODEL, "--jobs", str(concurrency), "-q", *extra],
                       cwd=cwd, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-1000:])
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return m["wall_seconds"], cpu, m["articles_failed"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=100, help="each level's job: this many rounds of requests (rounds x in flight articles)")
    ap.add_argument("--articles", type=int, default=None, help="the same number of articles at every level instead (300: the runs before --rounds)")
    ap.add_argument("--levels", default="8,32,64")
    ap.add_argument("--no-peers", action="store_true", help="leave out the Instructor row")
    ap.add_argument("--repeats", type=int, default=1, help="runs of every row at each level (interleaved); medians are printed")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    size = {level: args.articles or args.rounds * level for level in levels}
    arts = articles(max(size.values()))
    messages = request_messages(arts)
    reqs = bodies(messages)
    payloads = [json.dumps(b).encode() for b in reqs]
    py = None if args.no_peers else peer_python()
    sizes = ", ".join(f"{size[level]} at {level}" for level in levels)
    print(f"articles: {sizes}; {args.latency}s per request, fake server in its own process, load {os.getloadavg()[0]:.2f}")
    print(f"{'in flight':>9} {'client':<28} {'art/s':>7} {'of ideal':>8} {'of ceiling':>10} {'cpu ms/art':>10} {'no start':>8} failures")
    # every row asks every article again: the server keeps all the answers (its default keeps 512)
    with ProcessServer(args.latency, "--keep-answers", str(len(arts))) as server, tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        # The server answers each article once from the rules backend and keeps the answer:
        # one untimed pass first, so that the first level's rows do not pay for it.
        asyncio.run(ceiling(server.base_url, payloads, 64))
        # The command's fixed CPU (imports, aiohttp, the run directory, the manifest): a
        # one-article run; "no start" is the CPU an article with it taken out, what each
        # further article of a long job costs.
        one = d / "in-1.jsonl"
        one.write_text(json.dumps({"id": arts[0].id, "text": arts[0].text}) + "\n", encoding="utf-8")
        start_cpu = statistics.median(cli_row(one, d / f"run-start-{i}", server.base_url, 8)[1] for i in range(3))
        print(f"the command's start-up: {start_cpu:.2f} s of CPU (a one-article run, median of 3)")
        for level in levels:
            n, ideal = size[level], level / args.latency
            src = d / f"in-{n}.jsonl"
            src.write_text("".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in arts[:n]), encoding="utf-8")
            runs: dict[str, list[tuple[float, float, int]]] = {}
            for r in range(args.repeats):  # rows interleaved, so that a slow spell of the box hits them all
                row = runs.setdefault
                wall, cpu = asyncio.run(ceiling(server.base_url, payloads[:n], level))
                row("ceiling (bare sockets)", []).append((n / wall, cpu, 0))
                wall, cpu = asyncio.run(sdk(server.base_url, reqs[:n], level))
                row("openai SDK", []).append((n / wall, cpu, 0))
                if py is not None:
                    wall, cpu, f = instructor_row(py, server.base_url, messages[:n], level)
                    row("instructor", []).append((n / wall, cpu, f))
                wall, cpu, f = asyncio.run(backend_row(server.base_url, arts[:n], level, d / "cache"))
                row("claims backend (in-process)", []).append((n / wall, cpu, f))
                wall, cpu, f = cli_row(src, d / f"run-{level}-{r}-auto", server.base_url, level)
                row("claims extract (defaults)", []).append((n / wall, cpu, f))
                wall, cpu, f = cli_row(src, d / f"run-{level}-{r}-schema", server.base_url, level, "--mode", "json_schema")
                row("claims extract json_schema", []).append((n / wall, cpu, f))
            top = statistics.median(rate for rate, _, _ in runs["ceiling (bare sockets)"])
            for name, got in runs.items():
                rate = statistics.median(g[0] for g in got)
                cpu = statistics.median(g[1] for g in got)
                net = f"{(cpu - start_cpu) / n * 1000:.2f}" if name.startswith("claims extract") else ""
                print(f"{level:>9} {name:<28} {rate:>7.1f} {rate / ideal:>8.2f} {rate / top:>10.2f} {cpu / n * 1000:>10.2f} {net:>8} {sum(g[2] for g in got)}",
                      flush=True)


if __name__ == "__main__":
    main()

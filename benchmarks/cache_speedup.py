"""Cold LLM job vs the same job answered from the response cache.

Runs `claims extract --backend openai` (a subprocess, as a user runs it) twice over
the same N articles against the local fake server: first with an empty cache (every
article one request of --latency seconds), then into a fresh run directory with the
filled cache, so every article is processed again (not skipped by resume) and every
answer comes from disk. Prints both wall times and the ratio; the goal is >= 50x.

    python benchmarks/cache_speedup.py [--articles 1000] [--latency 0.5] [--jobs 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_server import FakeOpenAIServer  # noqa: E402


def write_articles(path: Path, n: int) -> None:
    """N distinct articles: the seed articles, each copy made unique by a dateline."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gold" / "articles").glob("*.txt"))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"b{i:05d}", "text": f"DISPATCH {i}\n\n{seeds[i % len(seeds)]}"}) + "\n")


def timed_job(src: Path, run: Path, cache: Path, server: FakeOpenAIServer, jobs: int) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    cmd = [
        sys.executable, "-m", "extract.cli.main", "extract", str(src), "-o", str(run), "--backend", "openai",
        "--base-url", server.base_url, "--model", "fake", "--cache", "on", "--cache-dir", str(cache), "--jobs", str(jobs), "-q",
    ]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"job failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall, json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.5, help="seconds per request at the fake server (a real model takes several)")
    ap.add_argument("--jobs", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer(latency=args.latency) as server:
        server.record_bodies = False
        d = Path(tmp)
        src = d / "in.jsonl"
        write_articles(src, args.articles)
        cold, m_cold = timed_job(src, d / "cold", d / "cache", server, args.jobs)
        sent = len(server.chat_requests)
        warm, m_warm = timed_job(src, d / "warm", d / "cache", server, args.jobs)
        assert len(server.chat_requests) == sent, "the cached run sent requests"
        assert m_warm["articles_done"] == m_cold["articles_done"] == args.articles
        assert m_warm["usage"]["cache_hits"] == args.articles and m_warm["usage"]["requests"] == 0
        same = (d / "cold" / "claims.jsonl").read_text().count('"claims"') == (d / "warm" / "claims.jsonl").read_text().count('"claims"')
    print(f"articles: {args.articles}, latency {args.latency}s, --jobs {args.jobs}")
    print(f"cold (server):  {cold:8.2f} s  ({sent} requests)")
    print(f"warm (cache):   {warm:8.2f} s  ({m_warm['usage']['cache_hits']} cache hits, 0 requests)")
    print(f"speedup:        {cold / warm:8.1f}x  (goal >= 50x){'' if same else '  WARNING: outputs differ'}")


if __name__ == "__main__":
    main()

"""Cold LLM job vs the same job answered from the response cache.

Runs `claims extract --backend openai` (a subprocess, as a user runs it) twice over
the same N articles against the local fake server: first with an empty cache (every
article one request of --latency seconds), then into a fresh run directory with the
filled cache, so every article is processed again (not skipped by resume) and every
answer comes from disk. Both runs are the same command with the same --jobs; only
the cache's contents differ. Prints both wall times and the ratio; the goal is >= 50x.

The ratio scales with the latency (the cold run is ~N x latency / jobs, the warm
run is start-up plus parsing and grounding), so it is printed for each latency in
--latency: a real model answering for a 3 KB article takes seconds, not 0.2 s.

    python benchmarks/cache_speedup.py [--articles 1000] [--latency 0.2,0.5,2.0] [--jobs 16]
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
    # no key from the caller; bytecode cached as an installed package has it
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_") and k != "PYTHONDONTWRITEBYTECODE"}
    cmd = [
        sys.executable, "-m", "claims.cli.main", "extract", str(src), "-o", str(run), "--backend", "openai",
        "--base-url", server.base_url, "--model", "fake", "--cache", "on", "--cache-dir", str(cache), "--jobs", str(jobs), "-q",
    ]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"job failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall, json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def measure(articles: int, latency: float, jobs: int) -> tuple[float, float, int, bool]:
    """(cold seconds, warm seconds, requests sent cold, same claim count) for one latency."""
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer(latency=latency) as server:
        server.record_bodies = False
        d = Path(tmp)
        src = d / "in.jsonl"
        write_articles(src, articles)
        cold, m_cold = timed_job(src, d / "cold", d / "cache", server, jobs)
        sent = len(server.chat_requests)
        warm, m_warm = timed_job(src, d / "warm", d / "cache", server, jobs)
        assert len(server.chat_requests) == sent, "the cached run sent requests"
        assert m_warm["articles_done"] == m_cold["articles_done"] == articles
        assert m_warm["usage"]["cache_hits"] == articles and m_warm["usage"]["requests"] == 0
        same = claims_by_article(d / "cold") == claims_by_article(d / "warm")
    return cold, warm, sent, same


def claims_by_article(run: Path) -> dict[str, list]:
    """The claims of a run by article id (usage and timings differ between runs; claims must not)."""
    out = {}
    for line in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out[rec["article_id"]] = rec["claims"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--latency", default="0.2,0.5,2.0",
                    help="seconds per request at the fake server, comma-separated for several runs (a real model takes several)")
    ap.add_argument("--jobs", type=int, default=16)
    args = ap.parse_args()
    print(f"articles: {args.articles}, --jobs {args.jobs} (cold and warm alike); goal >= 50x")
    print(f"{'latency s':>9} {'cold s':>8} {'requests':>8} {'warm s':>7} {'speedup':>8}")
    for latency in (float(x) for x in args.latency.split(",")):
        cold, warm, sent, same = measure(args.articles, latency, args.jobs)
        note = "" if same else "  WARNING: outputs differ"
        print(f"{latency:>9.2f} {cold:>8.2f} {sent:>8} {warm:>7.2f} {cold / warm:>7.1f}x{note}", flush=True)


if __name__ == "__main__":
    main()

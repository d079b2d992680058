"""`claims extract` as a user runs it: default flags (output mode auto) against the same
command with `--mode json_schema`, side by side in one run, at each --jobs level.

The fake server runs in another process with a fixed latency; each article is one
request, so the ideal is jobs / latency articles per second. Two figures per run:
"wall" is the command's whole time (start-up included); "job" is the manifest's
wall_seconds (the job alone). The goal (issue 13): default flags within 5% of
json_schema at every level, i.e. auto mode costs one probe, not one per request.

    python benchmarks/cli_throughput.py [--articles 300] [--latency 0.2] [--levels 8,32,64]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from process_server import ProcessServer  # noqa: E402


def write_articles(path: Path, n: int) -> None:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gold" / "articles").glob("*.txt"))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"b{i:05d}", "text": f"DISPATCH {i}\n\n{seeds[i % len(seeds)]}"}) + "\n")


def run_cli(src: Path, run: Path, base_url: str, jobs: int, *extra: str) -> tuple[float, float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    cmd = [sys.executable, "-m", "claims.cli.main", "extract", str(src), "-o", str(run), "--backend", "openai",
           "--base-url", base_url, "--model", "fake", "--jobs", str(jobs), "--cache", "off", "-q", *extra]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"job failed ({r.returncode}): {r.stderr[-2000:]}")
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    return wall, m["wall_seconds"], m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--levels", default="8,32,64")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print(f"{args.articles} articles, {args.latency}s per request, fake server in its own process; cache off")
    print(f"{'jobs':>4} {'mode':>14} {'wall s':>7} {'job s':>6} {'art/s (job)':>11} {'of ideal':>8} {'auto/json_schema':>16}")
    with tempfile.TemporaryDirectory() as tmp, ProcessServer(args.latency) as server:
        d = Path(tmp)
        src = d / "in.jsonl"
        write_articles(src, args.articles)
        for jobs in levels:
            rates = {}
            for label, extra in (("json_schema", ("--mode", "json_schema")), ("auto (default)", ())):
                wall, job, m = run_cli(src, d / f"{jobs}-{len(rates)}", server.base_url, jobs, *extra)
                assert m["articles_done"] == args.articles, m
                rates[label] = args.articles / job
                ideal = jobs / args.latency
                ratio = f"{rates[label] / rates['json_schema']:.3f}" if label != "json_schema" else ""
                print(f"{jobs:>4} {label:>14} {wall:>7.2f} {job:>6.2f} {rates[label]:>11.1f} {rates[label] / ideal:>8.2f} {ratio:>16}", flush=True)


if __name__ == "__main__":
    main()

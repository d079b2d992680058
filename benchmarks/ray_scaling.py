"""The Ray engine against the local engine, as a user runs them (`claims extract`, default flags).

1. Scaling: the rules backend over N (default 20,000) articles, one local process vs
   `--engine ray --workers W` (default 2) on this machine; prints both wall times, the
   ratio, Ray's start-up (ray.init, then the workers up to the first record, from the
   run's manifest) and the ratio without it, and the load average around each run
   (the machine may be shared: read the ratio next to it). Goal: >= 1.6x with 2 workers
   on 2 cores.
   As a control, two local processes on the two halves at once (what two processes get
   from the machine at that moment), and the CPU time of each engine (all processes,
   Ray's included): with W free cores the speed-up can reach about W / that CPU ratio.
2. Set-equality: the records of a Ray run equal the local engine's on the bundled
   articles, on the N articles, and on a chaos run against the local fault server
   (429/500/malformed/truncated answers, drawn per request content so that both engines
   meet the same faults in any order).

    python benchmarks/ray_scaling.py [--articles 20000] [--workers 2] [--chaos 300]
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
sys.path.insert(0, str(ROOT / "tests"))

import psutil  # noqa: E402  (the test extra)
from fake_server import FakeOpenAIServer  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
CHAOS = {"429": 0.20, "500": 0.05, "malformed": 0.05, "truncated": 0.02}


def write_corpus(path: Path, n: int) -> Path:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gold" / "articles").glob("*.txt"))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"a{i:06d}", "text": f"DISPATCH {i}\n\n{seeds[i % len(seeds)]}"}) + "\n")
    return path


def command(src: Path, run: Path, *extra: object) -> list[str]:
    return [sys.executable, "-m", "claims.cli.main", "extract", str(src), "-o", str(run), "--quiet", "--overwrite", *map(str, extra)]


def extract(src: Path, run: Path, *extra: object) -> tuple[float, float, tuple[float, float], dict]:
    """Wall and CPU seconds of one `claims extract` (the process and all its descendants,
    Ray's included, sampled every 0.1 s), the 1-minute load average before/after, its manifest."""
    before = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.Popen(command(src, run, *extra), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cpu: dict[int, float] = {}
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            family = [root, *root.children(recursive=True)]
        except psutil.Error:
            family = []
        for p in family:
            try:
                c = p.cpu_times()
                cpu[p.pid] = c.user + c.system
            except psutil.Error:
                pass
        time.sleep(0.1)
    wall = time.perf_counter() - t
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"claims extract failed ({proc.returncode}): {err[-2000:]}")
    return wall, sum(cpu.values()), (before, os.getloadavg()[0]), json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def two_processes(src: Path, tmp: Path, n: int) -> float:
    """Wall seconds of two local jobs on the two halves at once: what two processes get from this machine now."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    halves = [tmp / "half1.jsonl", tmp / "half2.jsonl"]
    halves[0].write_text("".join(lines[: n // 2]), encoding="utf-8")
    halves[1].write_text("".join(lines[n // 2 :]), encoding="utf-8")
    t = time.perf_counter()
    procs = [subprocess.Popen(command(h, tmp / f"run-{h.stem}"), cwd=ROOT, env=ENV) for h in halves]
    for p in procs:
        p.wait()
    return time.perf_counter() - t


def records(run: Path) -> set[str]:
    return {line for name in ("claims.jsonl", "failures.jsonl") for line in (run / name).read_text(encoding="utf-8").splitlines()}


def chaos(tmp: Path, n: int, workers: int) -> tuple[bool, int, int]:
    """Both engines against their own fault server (same seed): (set-equal, records, server requests)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_chaos import chaos_articles, sequential_probs

    src = tmp / "chaos.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in chaos_articles(n).items()), encoding="utf-8")
    got, asked = {}, {}
    for engine in ("local", "ray"):
        server = FakeOpenAIServer(fault_probs=sequential_probs(CHAOS), seed=4, faults_by_content=True,
                                  fault_options={"429": {"retry_after": 0}}).start()
        try:
            extract(src, tmp / f"chaos-{engine}", "--backend", "openai", "--base-url", server.base_url, "--model", "fake", "--cache", "off",
                    "--jobs", 8, "--timeout", 5, "--max-attempts", 10, "--backoff-base", 0.01, "--backoff-max", 0.05,
                    *(("--engine", "ray", "--workers", workers) if engine == "ray" else ()))
            asked[engine] = len(server.chat_requests)
        finally:
            server.stop()
        got[engine] = records(tmp / f"chaos-{engine}")
    return got["ray"] == got["local"] and asked["ray"] == asked["local"], len(got["ray"]), asked["ray"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chaos", type=int, default=300, help="articles in the fault-server run (0: skip it)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        gold = ROOT / "gold" / "articles"
        extract(gold, tmp / "gold-local")
        extract(gold, tmp / "gold-ray", "--engine", "ray", "--workers", args.workers)  # also warms the disk cache
        print(f"bundled articles: records set-equal = {records(tmp / 'gold-local') == records(tmp / 'gold-ray')}")

        src = write_corpus(tmp / "corpus.jsonl", args.articles)
        local, local_cpu, local_load, _ = extract(src, tmp / "local")
        ray_wall, ray_cpu, ray_load, m = extract(src, tmp / "ray", "--engine", "ray", "--workers", args.workers)
        pair = two_processes(src, tmp, args.articles)
        session = m["sessions"][-1]
        startup = session.get("first_record_seconds", 0.0)
        ms = 1000 / args.articles
        print(f"rules, {args.articles:,} articles (JSONL), load average (1 min) before/after each run:")
        print(f"  local engine, 1 process:        {local:7.2f} s  {args.articles / local:7.0f} articles/s  CPU {local_cpu * ms:.2f} ms/article"
              f"   load {local_load[0]:.2f} -> {local_load[1]:.2f}")
        print(f"  ray engine, {args.workers} workers:          {ray_wall:7.2f} s  {args.articles / ray_wall:7.0f} articles/s  CPU {ray_cpu * ms:.2f} ms/article"
              f" (all Ray processes)   load {ray_load[0]:.2f} -> {ray_load[1]:.2f}")
        print(f"    of which start-up: ray.init {session.get('ray_init_seconds', 0):.2f} s, first record after {startup:.2f} s; "
              f"articles per worker {session.get('articles_by_worker')}")
        print(f"  speed-up: {local / ray_wall:.2f}x end to end, {local / max(1e-9, ray_wall - startup):.2f}x without Ray's start-up (goal >= 1.6x)")
        print(f"  control: two local processes on the halves at once {pair:.2f} s ({local / pair:.2f}x): what this machine gives two "
              f"processes now; Ray's CPU overhead {ray_cpu / max(1e-9, local_cpu):.2f}x the local engine's")
        print(f"  records set-equal = {records(tmp / 'local') == records(tmp / 'ray')}")
        if args.chaos:
            same, n, requests = chaos(tmp, args.chaos, args.workers)
            print(f"chaos run ({args.chaos} articles, faults {CHAOS}): {n} records, {requests} requests; "
                  f"records and request count set-equal = {same}")


if __name__ == "__main__":
    main()

"""Rules backend throughput: the five seed articles replicated to N documents, in-process.

Goal: >= 200 articles/s on one core. The box this runs on is often shared, so the
figure reported is the best of ``--rounds`` rounds, both by wall clock and by this
process's CPU time (CPU time is what other jobs on the machine disturb least).

Run: python benchmarks/rules_throughput.py [N] [--rounds 3]   (default N = 1000)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from claims.extract.backends.rules import RulesBackend
from claims.kernel.articles import Article, load_articles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1000, help="documents per round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; the best one is reported")
    args = ap.parse_args()
    n = args.n
    seeds = load_articles([Path(__file__).resolve().parent.parent / "gold" / "articles"])
    docs = [Article(id=f"{seeds[i % len(seeds)].id}-{i}", text=seeds[i % len(seeds)].text) for i in range(n)]
    backend = RulesBackend()
    backend.extract(docs[0])  # warm-up
    best_wall = best_cpu = float("inf")
    total = 0
    for _ in range(args.rounds):
        w0, c0 = time.perf_counter(), time.process_time()
        total = sum(len(backend.extract(d).claims) for d in docs)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    chars = sum(len(d.text) for d in docs)
    print(f"{n} articles ({chars / n:.0f} chars each), {total} claims; best of {args.rounds} rounds:")
    for label, dt in (("wall", best_wall), ("cpu ", best_cpu)):
        print(
            f"  {label}: {dt:.2f} s  {n / dt:.0f} articles/s  {total / dt:.0f} claims/s  "
            f"{dt / n * 1e3:.2f} ms/article"
        )


if __name__ == "__main__":
    main()

"""Rules backend throughput: the five seed articles replicated to N documents, in-process.

Run: python benchmarks/rules_throughput.py [N]   (default 1000)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from extract.articles import Article, load_articles
from extract.backends.rules import RulesBackend


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seeds = load_articles([Path(__file__).resolve().parent.parent / "gold" / "articles"])
    docs = [Article(id=f"{seeds[i % len(seeds)].id}-{i}", text=seeds[i % len(seeds)].text) for i in range(n)]
    backend = RulesBackend()
    backend.extract(docs[0])  # warm-up
    t0 = time.perf_counter()
    total = sum(len(backend.extract(d).claims) for d in docs)
    dt = time.perf_counter() - t0
    print(f"{n} articles in {dt:.2f} s: {n / dt:.0f} articles/s, {total} claims")


if __name__ == "__main__":
    main()

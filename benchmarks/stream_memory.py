"""Memory stays flat while a large JSONL job streams through the rules backend.

Runs the same job over 2,000 and 20,000 articles (the five seed articles, replicated
with distinct ids), each in a fresh process, and prints each run's peak RSS and
their ratio. Goal: ratio <= 1.2 (memory does not grow with the corpus).

    python benchmarks/stream_memory.py [--backend rules] [--small 2000] [--large 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import resource, sys, time
from pathlib import Path
from claims.extract.backends import build_backend
from claims.extract.jobs import Job
t = time.perf_counter()
s = Job(inputs=[sys.argv[1]], run_dir=Path(sys.argv[2]), backend=build_backend(backend=sys.argv[3])).run()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, s.succeeded, time.perf_counter() - t)
"""


def make_corpus(path: Path, n: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gold" / "articles").glob("*.txt"))]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"doc{i:06d}", "text": texts[i % len(texts)]}) + "\n")


def measure(n: int, backend: str, tmp: Path) -> tuple[int, int, float]:
    src = tmp / f"in{n}.jsonl"
    make_corpus(src, n)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(tmp / f"run{n}"), backend],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="rules")
    ap.add_argument("--small", type=int, default=2000)
    ap.add_argument("--large", type=int, default=20000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [(n, *measure(n, args.backend, Path(d))) for n in (args.small, args.large)]
    for n, rss_kb, done, secs in rows:
        print(f"{n:>6} articles: peak RSS {rss_kb / 1024:7.1f} MiB, {done} done in {secs:.1f}s ({done / secs:.0f} articles/s)")
    ratio = rows[1][1] / rows[0][1]
    print(f"peak RSS ratio {args.large}/{args.small}: {ratio:.3f} (goal <= 1.2)")


if __name__ == "__main__":
    main()

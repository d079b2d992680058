"""What idling between articles does to the CPU the same work costs.

A job against a server with 0.2 s latency wakes for each answer: at 8 in flight an
answer comes every 25 ms, at 64 every 3 ms, and the process sleeps in between. This runs
one article's share of a job's own work (parse the model's answer, ground its claims,
encode them: ``claims.extract`` code, no network) over the benchmark's articles, back to
back and then with an idle pause of each length between articles, and prints the CPU an
article. The work is the same in every row; only the pauses differ, so what a row adds
over the first is what waking from idle costs on this machine, which every client's CPU
figure in ``llm_throughput.py`` carries at low concurrency.

    python benchmarks/idle_cost.py [--articles 200] [--gaps 0,1,3,10,25,100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_server import _rules_output as rules_answer  # noqa: E402  (tests/: the fake server's answer)
from pydantic import TypeAdapter  # noqa: E402

from claims.extract.grounding import Grounder  # noqa: E402
from claims.extract.structured import parse_output  # noqa: E402
from claims.kernel.articles import load_articles  # noqa: E402
from claims.kernel.schema import Claim, ModelOutput  # noqa: E402

CLAIMS = TypeAdapter(list[Claim])


def answers(n: int) -> list[tuple[str, str]]:
    """(article text, a model's answer for it): the answer the benchmarks' fake server
    gives, the rules backend's claims as ModelOutput JSON."""
    seeds = load_articles([ROOT / "gold" / "articles"])
    texts = [f"DISPATCH {i}\n\n{seeds[i % len(seeds)].text}" for i in range(n)]
    return [(text, rules_answer(text)) for text in texts]


def one_article(text: str, answer: str) -> None:
    parsed = parse_output(answer, ModelOutput)
    grounder = Grounder(text)
    CLAIMS.dump_json([grounder.ground(mc) for mc in parsed.claims])


def cpu_per_article(work: list[tuple[str, str]], gap: float) -> float:
    cpu0 = time.process_time()
    for text, answer in work:
        one_article(text, answer)
        if gap:
            time.sleep(gap)
    return (time.process_time() - cpu0) / len(work)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--gaps", default="0,1,3,10,25,100", help="idle pauses between articles, ms")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each row (interleaved); medians are printed")
    args = ap.parse_args()
    gaps = [float(g) / 1000 for g in args.gaps.split(",")]
    work = answers(args.articles)
    claims = sum(len(json.loads(a)["claims"]) for _, a in work)
    cpu_per_article(work, 0)  # warm-up: first-use tables, lazily built schemas
    runs: dict[float, list[float]] = {g: [] for g in gaps}
    for _ in range(args.repeats):
        for g in gaps:
            runs[g].append(cpu_per_article(work, g))
    print(f"{args.articles} articles, {claims / len(work):.1f} claims each: parse the answer, ground the claims, encode them")
    print(f"{'idle between':>12} {'cpu ms/art':>10} {'x back to back':>14}")
    base = statistics.median(runs[gaps[0]])
    for g in gaps:
        cpu = statistics.median(runs[g])
        print(f"{g * 1000:>10.0f}ms {cpu * 1000:>10.3f} {cpu / base:>14.2f}", flush=True)


if __name__ == "__main__":
    main()

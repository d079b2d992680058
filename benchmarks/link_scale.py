"""How `claims link` scales: synthetic runs of 100,000 and 1,000,000 claims, each linked by
the real command (default flags) in a fresh process; prints wall time, peak RSS, the
growth from the small to the large run, and how well the synthetic truth was recovered.

Goal: 1,000,000 claims in <= 10 minutes with <= 4 GB peak RSS on a 2-core machine, and a
growth close to n log n (a quadratic linker would take 100x longer for 10x the claims).

    python benchmarks/link_scale.py [--small 100000] [--large 1000000] [--keep DIR]

The synthetic corpus: ``n / 3`` facts (subject, action, object, place, number, from
generated vocabularies of 20,000 names), each told by 1-6 articles in its own wording
(synonymous verbs, hedges, word order, an extra detail), 10 claims per article, written as
a normal run directory. The truth is the fact id, scored with the link metrics (B-cubed
and pairwise, which are linear; CEAF-e and MUC are left out at this size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VERBS = [["destroyed", "wrecked", "demolished"], ["shot down", "downed", "brought down"],
         ["attacked", "struck", "hit"], ["closed", "shut", "sealed"], ["bought", "acquired", "purchased"],
         ["signed", "approved", "endorsed"], ["banned", "prohibited", "outlawed"], ["built", "constructed", "erected"]]
HEDGES = ["", "", "", "reportedly ", "allegedly ", "probably "]
CLAIM_PER_ARTICLE = 10


def _words(rng: random.Random, n: int) -> list[str]:
    syll = ["ka", "lo", "mi", "ra", "ten", "vos", "dar", "eli", "nur", "zan", "qo", "pel", "sur", "ith", "bra"]
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))).capitalize())
    return sorted(out)


def statement(rng: random.Random, fact: tuple[str, int, str, str, int]) -> str:
    subj, verb, obj, place, num = fact
    v = rng.choice(VERBS[verb])
    hedge = rng.choice(HEDGES)
    form = rng.randrange(3)
    if form == 0:
        s = f"{subj} {hedge}{v} {num} {obj} facilities near {place}"
    elif form == 1:
        s = f"{num} {obj} facilities near {place} were {hedge}{v} by {subj}"
    else:
        s = f"Near {place}, {subj} {hedge}{v} {num} {obj} facilities"
    if rng.random() < 0.3:
        s += rng.choice([" on Tuesday", " last week", " overnight", " according to officials"])
    return s + "."


def make_run(run_dir: Path, n: int, seed: int = 0) -> list[int]:
    """Write a run directory of ``n`` synthetic claims; return each claim's fact id (the truth)."""
    rng = random.Random(seed)
    names = _words(rng, 20_000)
    n_facts = max(1, n // 3)
    facts = [(rng.choice(names), rng.randrange(len(VERBS)), rng.choice(names).lower(), rng.choice(names),
              rng.randint(2, 500)) for _ in range(n_facts)]
    # each fact told 1-6 times, shuffled across articles
    order: list[int] = []
    f = 0
    while len(order) < n:
        order.extend([f % n_facts] * rng.randint(1, 5))
        f += 1
    order = order[:n]
    rng.shuffle(order)
    run_dir.mkdir(parents=True, exist_ok=True)
    prov = {"backend": "synthetic", "model": None, "prompt": None, "parameters": {}, "toolkit_version": "0", "schema_version": "1"}
    with (run_dir / "claims.jsonl").open("w", encoding="utf-8") as fh:
        for a in range(0, n, CLAIM_PER_ARTICLE):
            claims = []
            for fid in order[a : a + CLAIM_PER_ARTICLE]:
                s = statement(rng, facts[fid])
                claims.append({"statement": s, "quote": s, "quote_span": {"start": 0, "end": len(s)},
                               "claimant": {"type": "author"}, "attribution": "unattributed", "certainty": "asserted"})
            day = 1 + (a // CLAIM_PER_ARTICLE) % 28
            fh.write(json.dumps({"article_id": f"syn{a // CLAIM_PER_ARTICLE:07d}", "text_sha256": "0" * 64,
                                 "published": f"2025-01-{day:02d}", "claims": claims, "provenance": prov}) + "\n")
    return order


def recovered(links: Path, truth: list[int]) -> tuple[float, float]:
    """B-cubed and pairwise F1 of the linking against the synthetic facts."""
    sys.path.insert(0, str(ROOT))
    from claims.evals.links import metrics as M

    pred: dict[tuple[str, int], str] = {}
    with (links / "clusters.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            for m in c["members"]:
                pred[m["article_id"], m["claim_index"]] = c["cluster_id"]
    key = M.partition({(f"syn{i // CLAIM_PER_ARTICLE:07d}", i % CLAIM_PER_ARTICLE): f for i, f in enumerate(truth)})
    resp = M.partition(pred)
    return M.b_cubed(key, resp).f1, M.pairwise(key, resp).f1


def measure(n: int, tmp: Path) -> dict[str, float]:
    run = tmp / f"run{n}"
    t = time.perf_counter()
    truth = make_run(run, n)
    made = time.perf_counter() - t
    out = tmp / f"links{n}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    subprocess.run(["claims", "link", str(run), "-o", str(out), "--quiet"], check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = after.ru_maxrss  # the largest child so far, KiB
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    b3, pw = recovered(out, truth)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"n": n, "seconds": wall, "cpu_seconds": cpu, "load": (load, os.getloadavg()[0]), "peak_rss_mb": rss / 1024,
            "rss_is_new_peak": rss > before.ru_maxrss, "made_seconds": made,
            "clusters": manifest["n_clusters"], "candidates": manifest["candidates"], "stage_seconds": manifest["seconds"],
            "b_cubed_f1": b3, "pairwise_f1": pw}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--large", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep the synthetic runs and links here")
    args = ap.parse_args()
    tmp_ctx = tempfile.TemporaryDirectory() if args.keep is None else None
    tmp = Path(tmp_ctx.name) if tmp_ctx else args.keep
    rows = []
    for n in (args.small, args.large):  # small first: its peak RSS is not hidden by the large one's
        r = measure(n, tmp)
        rows.append(r)
        print(f"{r['n']:>9,} claims: {r['seconds']:7.1f} s wall, {r['cpu_seconds']:7.1f} s CPU (load average "
              f"{r['load'][0]:.1f} -> {r['load'][1]:.1f} on {os.cpu_count()} cores), peak RSS {r['peak_rss_mb']:7.0f} MB, {r['clusters']:,} clusters "
              f"({r['candidates']}); stages {r['stage_seconds']}; B-cubed F1 {r['b_cubed_f1']:.3f}, pairwise F1 "
              f"{r['pairwise_f1']:.3f}", flush=True)
    import math

    small, large = rows
    ratio = large["seconds"] / small["seconds"]
    nlogn = (large["n"] * math.log(large["n"])) / (small["n"] * math.log(small["n"]))
    cpu_ratio = large["cpu_seconds"] / small["cpu_seconds"]
    print(f"growth {small['n']:,} -> {large['n']:,}: wall x{ratio:.1f}, CPU x{cpu_ratio:.1f} (n log n predicts x{nlogn:.1f}, n^2 x{(large['n'] / small['n']) ** 2:.0f})")
    ok = large["seconds"] <= 600 and large["peak_rss_mb"] <= 4096
    print(f"goal (1M claims <= 600 s, <= 4096 MB): {'met' if ok else 'NOT met'} for {large['n']:,} claims")
    if tmp_ctx:
        tmp_ctx.cleanup()


if __name__ == "__main__":
    main()

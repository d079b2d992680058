"""Eval speed: 10,000 synthetic articles x 20 claims, full eval with 1,000 bootstrap resamples.

    python benchmarks/eval_speed.py [--articles 10000] [--claims 20] [--resamples 1000]

Prints seconds for building the inputs, for evaluate() (matching, fields, spans,
bootstrap) and for a paired comparison, and peak memory (process max RSS via `resource`; tracemalloc would slow the run).
Goal: evaluate() under 30 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from claims.evals.compare import compare
from claims.evals.evaluate import EvalOptions, evaluate
from claims.evals.gold import GoldSet
from claims.kernel.rundir import Run
from claims.kernel.schema import ArticleClaims, Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, GoldArticle, Provenance, Span, text_sha256

WORDS = "minister army missile plane border talks sanctions village drone report court election vote troops".split()
NAMES = ["Dmitry Peskov", "Ilham Aliyev", "the ministry", "a diplomatic source", "Reuters"]


def make_claim(rng: random.Random, start: int, end: int, stmt: str, who: str) -> Claim:
    return Claim(
        statement=stmt, quote="q" * (end - start), quote_span=Span(start=start, end=end),
        claimant=Claimant(text=who, name=who, span=Span(start=start, end=start + 5), type=rng.choice(list(ClaimantType))),
        cue=Cue(text="said", span=Span(start=start + 6, end=start + 10)),
        attribution=rng.choice(list(Attribution)), certainty=rng.choice(list(Certainty)),
    )


def build(n_articles: int, n_claims: int, seed: int = 0) -> tuple[GoldSet, Run, Run]:
    rng = random.Random(seed)
    gs = GoldSet(root=Path("synthetic"))
    base, head = Run(path=Path("base")), Run(path=Path("head"))
    prov = Provenance(backend="synthetic", toolkit_version="0")
    for a in range(n_articles):
        aid = f"a{a:05d}"
        text = "x" * (n_claims * 100)
        sha = text_sha256(text)
        gold, preds = [], []
        for k in range(n_claims):
            s, e = k * 100, k * 100 + rng.randint(40, 95)
            stmt = " ".join(rng.sample(WORDS, 6))
            who = rng.choice(NAMES)
            gold.append(make_claim(rng, s, e, stmt, who))
            r = rng.random()
            if r < 0.7:  # a near match: shifted span, partly reworded statement
                words = stmt.split()
                words[rng.randrange(6)] = rng.choice(WORDS)
                preds.append(make_claim(rng, s + rng.randint(0, 10), e, " ".join(words), rng.choice(NAMES)))
            elif r < 0.85:  # spurious: same passage, other statement
                preds.append(make_claim(rng, s, e, " ".join(rng.sample(WORDS, 6)), who))
        gs.texts[aid] = text
        gs.articles[aid] = GoldArticle(article_id=aid, text_sha256=sha, labelled_by="syn", guideline_version="1", claims=gold)
        base.records[aid] = ArticleClaims(article_id=aid, text_sha256=sha, claims=preds, provenance=prov)
        head.records[aid] = ArticleClaims(article_id=aid, text_sha256=sha, claims=preds[: max(0, len(preds) - (a % 3 == 0))], provenance=prov)
    return gs, base, head


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--claims", type=int, default=20)
    ap.add_argument("--resamples", type=int, default=1000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    gs, base_run, head_run = build(args.articles, args.claims)
    t1 = time.perf_counter()
    print(f"built {args.articles} articles x {args.claims} gold claims in {t1 - t0:.1f} s")

    opts = EvalOptions(resamples=args.resamples, floor=False, include_text=False)
    t2, c2 = time.perf_counter(), time.process_time()
    head = evaluate(gs, head_run, opts)
    t3, c3 = time.perf_counter(), time.process_time()
    print(f"evaluate(): {t3 - t2:.1f} s wall, {c3 - c2:.1f} s CPU  (F1 {head.claims.f1:.3f} [{head.headline['f1'].ci.low:.3f}, "  # type: ignore[union-attr]
          f"{head.headline['f1'].ci.high:.3f}], {head.claims.tp} TP)")
    print(f"peak memory (process max RSS, inputs included): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

    base = evaluate(gs, base_run, EvalOptions(resamples=0, floor=False, include_text=False))
    t4, c4 = time.perf_counter(), time.process_time()
    cmp = compare(base, head, resamples=args.resamples)
    t5, c5 = time.perf_counter(), time.process_time()
    print(f"compare() (paired bootstrap + randomisation, 2 metrics): {t5 - t4:.1f} s wall, {c5 - c4:.1f} s CPU; delta F1 {cmp.delta_f1:+.4f}, "
          f"lost {cmp.lost}")
    print(f"goal: evaluate() under 30 s -> {'OK' if t3 - t2 < 30 else 'TOO SLOW'} (wall; CPU time is the figure on a busy machine)")


if __name__ == "__main__":
    main()

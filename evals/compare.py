"""Comparing two runs scored on the same gold: what changed, and is it more than noise?

Both runs are scored over every gold article (missing articles are all-missed), so the
per-article counts line up and the tests are paired over articles. Claim-level
differences are keyed on the gold claim: *gained* = a gold claim matched in head but
not in base, *lost* = the reverse; a *field flip* = a gold claim matched in both runs
whose field (claimant name/type, attribution, certainty) is right in one and wrong in
the other.
"""

from __future__ import annotations

from .metrics import FIELDS
from .results import (
    ArticleDelta,
    ArticleResult,
    ClaimChange,
    ComparisonResult,
    EvalResult,
    FieldFlip,
    FieldName,
    MatchedPair,
    RunSummary,
)
from .stats import ArticleCounts, approximate_randomization, paired_bootstrap


def summary(result: EvalResult) -> RunSummary:
    return RunSummary(
        run=result.run.path, backend=result.run.backend, model=result.run.model, prompt=result.run.prompt,
        claims=result.claims, attributed=result.attributed, macro_f1=result.macro_f1,
    )


def article_delta(base: ArticleResult, head: ArticleResult) -> ArticleDelta:
    bm: dict[int, MatchedPair] = {p.gold_index: p for p in base.matched}
    hm: dict[int, MatchedPair] = {p.gold_index: p for p in head.matched}
    aid = base.article_id
    gained = [ClaimChange(article_id=aid, gold_index=g, gold=p.gold, pred=p.pred) for g, p in sorted(hm.items()) if g not in bm]
    lost = [ClaimChange(article_id=aid, gold_index=g, gold=p.gold, pred=p.pred) for g, p in sorted(bm.items()) if g not in hm]
    flips: list[FieldFlip] = []
    for g in sorted(bm.keys() & hm.keys()):
        for f in FIELDS:
            b, h = bm[g].fields[f], hm[g].fields[f]
            if b.correct is None or h.correct is None or b.correct == h.correct:
                continue
            flips.append(FieldFlip(article_id=aid, gold_index=g, field=f, gold=b.gold, base=b.pred, head=h.pred,
                                   direction="fixed" if h.correct else "broken"))
    return ArticleDelta(article_id=aid, base=base.claims, head=head.claims, delta_f1=head.claims.f1 - base.claims.f1,
                        gained=gained, lost=lost, flips=flips)


def compare(base: EvalResult, head: EvalResult, *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> ComparisonResult:
    b_ids = [a.article_id for a in base.articles]
    if b_ids != [a.article_id for a in head.articles]:
        raise ValueError("both runs must be scored on the same gold articles")
    if base.thresholds != head.thresholds:
        raise ValueError("both runs must be scored with the same matcher thresholds")
    cb, ch = ArticleCounts.from_articles(base.articles), ArticleCounts.from_articles(head.articles)
    tests = []
    for metric in ("f1", "attributed_f1"):
        tests.append(paired_bootstrap(cb, ch, metric=metric, resamples=resamples, seed=seed, confidence=confidence))
        tests.append(approximate_randomization(cb, ch, metric=metric, resamples=resamples, seed=seed))
    from .evaluate import gc_paused

    with gc_paused():
        deltas = [article_delta(b, h) for b, h in zip(base.articles, head.articles)]
    flips: dict[FieldName, dict[str, int]] = {f: {"fixed": 0, "broken": 0} for f in FIELDS}
    for d in deltas:
        for fl in d.flips:
            flips[fl.field][fl.direction] += 1
    return ComparisonResult(
        gold=head.gold.path,
        thresholds=head.thresholds,
        base=summary(base),
        head=summary(head),
        delta_f1=head.claims.f1 - base.claims.f1,
        delta_attributed_f1=head.attributed.f1 - base.attributed.f1,
        tests=tests,
        articles=deltas,
        gained=sum(len(d.gained) for d in deltas),
        lost=sum(len(d.lost) for d in deltas),
        flips=flips,  # type: ignore[arg-type]
    )

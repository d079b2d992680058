"""Comparing two runs scored on the same gold: what changed, and is it more than noise?

Both runs are scored over every gold article (missing articles are all-missed), so the
per-article counts line up and the tests are paired over articles. Claim-level
differences are keyed on the gold claim: *gained* = a gold claim matched in head but
not in base, *lost* = the reverse; a *field flip* = a gold claim matched in both runs
whose field (claimant name/type, attribution, certainty) is right in one and wrong in
the other.
"""

from __future__ import annotations

import numpy as np

from claims.evals.evaluate import gc_paused
from claims.evals.metrics import FIELDS, sum_prf
from claims.evals.results import (
    ArticleDelta,
    ArticleResult,
    ClaimChange,
    ComparisonResult,
    EvalResult,
    FieldFlip,
    FieldName,
    MatchedPair,
    RunSummary,
    SignificanceTest,
)
from claims.evals.stats import ArticleCounts, approximate_randomization, paired_bootstrap


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


def paired_tests(cb: ArticleCounts, ch: ArticleCounts, *, resamples: int, seed: int, confidence: float) -> list[SignificanceTest]:
    """Paired bootstrap and approximate randomisation on F1 and attributed F1 (the gate reads the bootstrap)."""
    tests = []
    for metric in ("f1", "attributed_f1"):
        tests.append(paired_bootstrap(cb, ch, metric=metric, resamples=resamples, seed=seed, confidence=confidence))
        tests.append(approximate_randomization(cb, ch, metric=metric, resamples=resamples, seed=seed))
    return tests


def compare(base: EvalResult, head: EvalResult, *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> ComparisonResult:
    b_ids = [a.article_id for a in base.articles]
    if b_ids != [a.article_id for a in head.articles]:
        raise ValueError("both runs must be scored on the same gold articles")
    if base.thresholds.model_dump(exclude={"similarity_usage"}) != head.thresholds.model_dump(exclude={"similarity_usage"}):
        raise ValueError("both runs must be scored with the same matcher thresholds")
    cb, ch = ArticleCounts.from_articles(base.articles), ArticleCounts.from_articles(head.articles)
    tests = paired_tests(cb, ch, resamples=resamples, seed=seed, confidence=confidence)

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
        floor=head.floor or base.floor,
        ceiling=head.ceiling or base.ceiling,
        n_double=head.gold.n_double,
    )


# --------------------------------------------------------------------------- repeats


def mean_counts(results: "list[EvalResult]") -> ArticleCounts:
    """Per-article counts averaged over the repeats of one variant.

    Repeats of a nondeterministic model are replicates *within* an article, so the
    article stays the unit of resampling: each article contributes its mean counts,
    and the bootstrap then resamples articles as usual. Micro F1 of the mean counts
    equals micro F1 of the counts pooled over every repeat.
    """

    if not results:
        raise ValueError("no results to pool")
    ids = [a.article_id for a in results[0].articles]
    if any([a.article_id for a in r.articles] != ids for r in results[1:]):
        raise ValueError("every repeat must be scored on the same gold articles")
    cs = [ArticleCounts.from_articles(r.articles) for r in results]
    if len(cs) == 1:
        return cs[0]
    return ArticleCounts(**{f: np.mean([getattr(c, f) for c in cs], axis=0) for f in ("tp", "fp", "fn", "atp", "afp", "afn", "f1")})


def compare_repeats(
    bases: "list[EvalResult]", heads: "list[EvalResult]", *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95
) -> ComparisonResult:
    """``compare`` for variants run several times: tests and deltas over every repeat.

    The significance tests use the per-article counts averaged over repeats
    (``mean_counts``), so a gate does not flip on one lucky or unlucky sample; the
    claim-level detail (gained, lost, field flips) is that of the first repeat of each.
    """
    if len(bases) == 1 and len(heads) == 1:
        return compare(bases[0], heads[0], resamples=resamples, seed=seed, confidence=confidence)
    cmp = compare(bases[0], heads[0], resamples=0, seed=seed, confidence=confidence)
    cb, ch = mean_counts(bases), mean_counts(heads)
    tests = paired_tests(cb, ch, resamples=resamples, seed=seed, confidence=confidence)
    base, head = pooled_summary(bases), pooled_summary(heads)
    return cmp.model_copy(update={
        "tests": tests, "base": base, "head": head,
        "delta_f1": head.claims.f1 - base.claims.f1,
        "delta_attributed_f1": head.attributed.f1 - base.attributed.f1,
    })


def pooled_summary(results: "list[EvalResult]") -> RunSummary:
    """Headline numbers over every repeat: counts summed, macro F1 averaged."""

    first = summary(results[0])
    if len(results) == 1:
        return first
    claims = sum_prf(r.claims for r in results)
    attributed = sum_prf(r.attributed for r in results)
    return first.model_copy(update={
        "run": f"{first.run} (+{len(results) - 1} repeats)", "claims": claims, "attributed": attributed,
        "macro_f1": sum(r.macro_f1 for r in results) / len(results),
    })

"""Claim-level, attributed-claim, per-field and span scores from matched articles.

Conventions (also in README, Evaluation):
- micro scores pool TP/FP/FN over all gold articles; macro scores average the
  per-article scores over all gold articles, *including* articles with no gold claims:
  such an article scores P = R = F1 = 1 when the run predicts nothing for it and 0 when
  it predicts anything (extracting nothing from boilerplate is a success).
- a PRF with tp = fp = fn = 0 is 1.0 everywhere; any other zero denominator gives 0.0.
- attributed-claim scores count a match as a TP only when the claimant is right
  (``evals.similarity.claimant_correct``); its FP = predictions - attributed TP and
  FN = gold - attributed TP.
- per-field accuracy is computed over matched pairs; a gold value of None (unknown)
  leaves the pair out of that field's score instead of counting it wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from claims.evals.matching import ArticleMatch, MatchConfig, Unmatched, match_article
from claims.evals.results import PRF, ArticleResult, ConfusionMatrix, FieldCheck, FieldName, FieldScore, MatchedPair, SpanKind, SpanScores, UnmatchedClaim
from claims.evals.similarity import claimant_correct, normalise_name
from claims.evals.spans import claim_spans, score_spans
from claims.kernel.schema import Attribution, Certainty, Claim, ClaimantType

FIELDS: tuple[FieldName, ...] = ("claimant_name", "claimant_type", "attribution", "certainty")
FIELD_LABELS: dict[str, list[str]] = {
    "claimant_type": [t.value for t in ClaimantType],
    "attribution": [a.value for a in Attribution],
    "certainty": [c.value for c in Certainty],
}
NONE_LABEL = "none"


def prf(tp: int, fp: int, fn: int) -> PRF:
    if tp == fp == fn == 0:
        return PRF()
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=f)


def field_value(claim: Claim, field: FieldName) -> str | None:
    # ``_value_`` rather than ``.value``: same string, without the enum property's cost in this hot loop.
    if field == "claimant_name":
        return claim.claimant.name
    if field == "claimant_type":
        return claim.claimant.type._value_
    value = getattr(claim, field)
    return value._value_ if value is not None else None


def field_check(gold: Claim, pred: Claim, field: FieldName) -> FieldCheck:
    g, p = field_value(gold, field), field_value(pred, field)
    # model_construct: internal values of known types; validation would dominate eval time.
    if g is None:
        return FieldCheck.model_construct(gold=None, pred=p, correct=None)
    if field == "claimant_name":
        return FieldCheck.model_construct(gold=g, pred=p, correct=normalise_name(g) == normalise_name(p))
    return FieldCheck.model_construct(gold=g, pred=p, correct=g == p)


def _unmatched(u: Unmatched, claims: list[Claim], reason: str | None = None) -> UnmatchedClaim:
    return UnmatchedClaim.model_construct(
        index=u.index,
        claim=claims[u.index],
        reason=reason or u.reason,  # type: ignore[arg-type]
        nearest_index=u.nearest_index,
        nearest_quote_dice=u.nearest_quote_dice,
        nearest_statement_similarity=u.nearest_statement_similarity,
        nearest_conflict=u.nearest_conflict,
    )


def score_article(
    article_id: str,
    gold: list[Claim],
    preds: list[Claim] | None,
    config: MatchConfig,
    *,
    title: str | None = None,
    text: str | None = None,
    failed: bool = False,
    detail: bool = True,
    prepared: tuple[list[Any], list[Any]] | None = None,
) -> ArticleResult:
    """Match and score one article. ``preds=None`` means the run has no record for it.

    ``detail=False`` skips the claim-level lists (floor, ceiling and sweeps only need counts).
    """
    in_run = preds is not None
    preds = preds or []
    m: ArticleMatch = match_article(gold, preds, config, prepared)
    matched: list[MatchedPair] = []
    atp = 0
    for pair in m.pairs:
        g, p = gold[pair.gold_index], preds[pair.pred_index]
        ok = claimant_correct(g.claimant, p.claimant, p.attribution.value if p.attribution else None)
        atp += ok
        if detail:
            matched.append(
                MatchedPair.model_construct(
                    gold_index=pair.gold_index,
                    pred_index=pair.pred_index,
                    gold=g,
                    pred=p,
                    quote_dice=pair.quote_dice,
                    statement_similarity=pair.statement_similarity,
                    score=pair.score,
                    claimant_correct=ok,
                    fields={f: field_check(g, p, f) for f in FIELDS},
                )
            )
    tp = len(m.pairs)
    return ArticleResult(
        article_id=article_id,
        title=title,
        text=text,
        in_run=in_run,
        failed=failed,
        n_gold=len(gold),
        n_pred=len(preds),
        n_ungrounded=sum(1 for p in preds if p.quote_span is None),
        claims=prf(tp, len(preds) - tp, len(gold) - tp),
        attributed=prf(atp, len(preds) - atp, len(gold) - atp),
        matched=matched,
        missed=[_unmatched(u, gold, None if in_run else "article_missing") for u in m.missed] if detail else [],
        spurious=[_unmatched(u, preds) for u in m.spurious] if detail else [],
    )


def sum_prf(parts: Iterable[PRF]) -> PRF:
    """Pooled (micro) scores: counts summed, then scored."""
    tp = fp = fn = 0
    for x in parts:
        tp, fp, fn = tp + x.tp, fp + x.fp, fn + x.fn
    return prf(tp, fp, fn)


def pooled(articles: Iterable[ArticleResult]) -> tuple[PRF, PRF, float, float, float]:
    """(micro claims, micro attributed, macro P, macro R, macro F1) over articles."""
    arts = list(articles)
    t = [a.claims for a in arts]
    micro = sum_prf(t)
    attributed = sum_prf(a.attributed for a in arts)
    n = len(arts)
    if n == 0:
        return micro, attributed, 1.0, 1.0, 1.0
    return (
        micro,
        attributed,
        sum(x.precision for x in t) / n,
        sum(x.recall for x in t) / n,
        sum(x.f1 for x in t) / n,
    )


def field_scores(articles: Iterable[ArticleResult]) -> dict[FieldName, FieldScore]:
    checks: dict[FieldName, list[FieldCheck]] = {f: [] for f in FIELDS}
    for a in articles:
        for pair in a.matched:
            for f in FIELDS:
                checks[f].append(pair.fields[f])
    out: dict[FieldName, FieldScore] = {}
    for f in FIELDS:
        scored = [c for c in checks[f] if c.correct is not None]
        correct = sum(1 for c in scored if c.correct)
        confusion = None
        if f in FIELD_LABELS:
            labels = FIELD_LABELS[f] + [NONE_LABEL]
            pos = {lab: i for i, lab in enumerate(labels)}
            counts = [[0] * len(labels) for _ in labels]
            for c in scored:
                counts[pos[c.gold or NONE_LABEL]][pos.get(c.pred or NONE_LABEL, pos[NONE_LABEL])] += 1
            confusion = ConfusionMatrix(labels=labels, counts=counts)
        out[f] = FieldScore(
            field=f,
            scored=len(scored),
            correct=correct,
            accuracy=correct / len(scored) if scored else None,
            excluded_unknown=len(checks[f]) - len(scored),
            confusion=confusion,
        )
    return out


def span_scores(pairs: list[tuple[list[Claim], list[Claim]]]) -> dict[SpanKind, SpanScores]:
    """Span scores per kind over articles given as (gold claims, predicted claims)."""
    kinds: tuple[SpanKind, ...] = ("quote", "claimant", "cue")
    return {
        k: score_spans(((claim_spans(g, k), claim_spans(p, k)) for g, p in pairs), k) for k in kinds
    }

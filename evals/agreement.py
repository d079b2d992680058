"""Inter-annotator agreement on the double-labelled gold articles (``gold/double``).

Uses the eval's own matcher and scores, so that the figures are exactly what the
`claims eval` ceiling line reports: the first label set of an article (file order,
e.g. ``<id>.a.yaml``) is taken as gold and the second (``<id>.b.yaml``) as prediction.
Per-field agreement is also computed the other way round, because a field whose
gold value is unknown (e.g. no claimant name) is left out of that direction's score.
Cohen's kappa corrects the attribution and certainty agreement for chance.

    claims gold agreement [--gold gold/] [--detail] [--json]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from claims.evals.gold import GoldSet
from claims.evals.matching import MatchConfig
from claims.evals.metrics import FIELDS, field_scores, field_value, pooled, score_article, span_scores
from claims.evals.results import ArticleResult
from claims.kernel.schema import Claim

KAPPA_FIELDS = ("attribution", "certainty")


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels; None when undefined (no pairs, or chance agreement is 1)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(left[k] * right[k] for k in left) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass
class Agreement:
    """Agreement of two label sets over one article (or pooled over several)."""

    articles: list[str]
    who: str
    n_first: int
    n_second: int
    matched: int
    precision: float
    recall: float
    f1: float
    attributed_f1: float
    # field -> (agree, scored) in each direction: first as gold, and second as gold
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)
    fields_reverse: dict[str, tuple[int, int]] = field(default_factory=dict)
    kappa: dict[str, float | None] = field(default_factory=dict)
    # scheme -> (correct, partial, possible, actual, f1) on quote spans
    quote_spans: dict[str, tuple[int, int, int, int, float]] = field(default_factory=dict)


def _field_counts(arts: list[ArticleResult]) -> dict[str, tuple[int, int]]:
    return {f: (s.correct, s.scored) for f, s in field_scores(arts).items()}


def _kappas(arts: list[ArticleResult]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for f in KAPPA_FIELDS:
        labels = [(field_value(p.gold, f) or "none", field_value(p.pred, f) or "none") for a in arts for p in a.matched]
        out[f] = cohen_kappa(labels)
    return out


def agreement(
    ids: list[str], first: dict[str, list[Claim]], second: dict[str, list[Claim]], who: str, cfg: MatchConfig
) -> Agreement:
    fwd = [score_article(aid, first[aid], second[aid], cfg) for aid in ids]
    rev = [score_article(aid, second[aid], first[aid], cfg) for aid in ids]
    micro, attributed, *_ = pooled(fwd)
    spans = span_scores([(first[aid], second[aid]) for aid in ids])["quote"]
    return Agreement(
        articles=ids,
        who=who,
        n_first=sum(len(first[a]) for a in ids),
        n_second=sum(len(second[a]) for a in ids),
        matched=micro.tp,
        precision=micro.precision,
        recall=micro.recall,
        f1=micro.f1,
        attributed_f1=attributed.f1,
        fields=_field_counts(fwd),
        fields_reverse=_field_counts(rev),
        kappa=_kappas(fwd),
        quote_spans={
            s: (c.correct, c.partial, c.possible, c.actual, c.f1)
            for s, c in spans.schemes.items()
            if s in ("strict", "exact", "partial")
        },
    )


def double_agreement(gold: GoldSet, cfg: MatchConfig | None = None) -> list[Agreement]:
    """One Agreement per double-labelled article, then a pooled one when there are several."""
    cfg = cfg or MatchConfig()
    ids = sorted(gold.double)
    first, second = gold.label_sets()
    who = {aid: f"{gold.double[aid][0].labelled_by} vs {gold.double[aid][1].labelled_by}" for aid in ids}
    out = [agreement([aid], first, second, who[aid], cfg) for aid in ids]
    if len(ids) > 1:
        out.append(agreement(ids, first, second, "pooled", cfg))
    return out


def disagreements(gold: GoldSet, cfg: MatchConfig | None = None) -> list[str]:
    """Readable lines for every disagreement: unmatched claims, field and quote-boundary differences."""
    cfg = cfg or MatchConfig()
    lines: list[str] = []
    for aid in sorted(gold.double):
        a, b = gold.double[aid][0].claims, gold.double[aid][1].claims
        art = score_article(aid, a, b, cfg)
        lines.append(f"== {aid}")
        for u in art.missed:
            lines.append(f"only first  #{u.index}: {u.claim.quote!r}")
        for u in art.spurious:
            lines.append(f"only second #{u.index}: {u.claim.quote!r}")
        for p in art.matched:
            tag = f"pair {p.gold_index}/{p.pred_index}"
            for f, chk in p.fields.items():
                if chk.correct is False:
                    lines.append(f"{tag} {f}: {chk.gold!r} vs {chk.pred!r}")
            if p.gold.quote_span != p.pred.quote_span:
                lines.append(f"{tag} quote: {p.gold.quote!r} vs {p.pred.quote!r}")
            gc, pc = p.gold.claimant, p.pred.claimant
            if (gc.text, gc.role) != (pc.text, pc.role):
                lines.append(f"{tag} claimant text/role: {(gc.text, gc.role)!r} vs {(pc.text, pc.role)!r}")
    return lines


def _pct(agree: int, scored: int) -> str:
    return f"{agree}/{scored} ({agree / scored:.3f})" if scored else "-"


def render(rows: list[Agreement]) -> str:
    out: list[str] = []
    for r in rows:
        name = ", ".join(r.articles) if len(r.articles) == 1 else f"pooled over {len(r.articles)} articles"
        out.append(f"{name}  [{r.who}]")
        out.append(
            f"  claims: first {r.n_first}, second {r.n_second}, matched {r.matched}; "
            f"P {r.precision:.3f}  R {r.recall:.3f}  F1 {r.f1:.3f}  attributed F1 {r.attributed_f1:.3f}"
        )
        for f in FIELDS:
            out.append(
                f"  {f:<14} agree {_pct(*r.fields.get(f, (0, 0)))}; reverse {_pct(*r.fields_reverse.get(f, (0, 0)))}"
                + (f"; kappa {r.kappa[f]:.3f}" if r.kappa.get(f) is not None else ("; kappa n/a" if f in r.kappa else ""))
            )
        for s, (correct, partial, possible, actual, f1) in r.quote_spans.items():
            extra = f", partial {partial}" if s == "partial" else ""
            out.append(f"  quote spans {s:<7} correct {correct}{extra} of {possible} / {actual}; F1 {f1:.3f}")
    return "\n".join(out)

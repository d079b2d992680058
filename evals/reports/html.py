"""HTML report: one static, self-contained page (inline CSS, no scripts, no external assets).

Besides the scores it shows each article twice, side by side: gold quote spans on the
left, predicted quote spans on the right, coloured matched / missed / spurious, so that
a reader sees *where* a run goes wrong. Spans may overlap (nested quotes, duplicate
predictions), so the text is cut at every span boundary into segments and each
segment carries the set of spans that cover it.

Article and model text is untrusted: the Jinja2 environment autoescapes everything and
no value is ever marked safe. Numbers come from the result model; this module only
formats them and cuts text into segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2

from claims.evals.reports import reference_parts
from claims.evals.results import ArticleResult, ComparisonResult, EvalResult, MatchedPair, UnmatchedClaim
from claims.kernel.io import atomic_write_text
from claims.kernel.schema import Claim, Span

MAX_ARTICLES = 200  # article sections on one page (lowest F1 first); the table lists all
MAX_STATEMENT = 160

Status = Literal["matched", "missed", "spurious"]
Kind = Literal["quote", "claimant", "cue"]
STATUS_CLASS = {"matched": "m", "missed": "x", "spurious": "s"}
REASONS = {
    "ungrounded": "no quote span, cannot match",
    "no_candidate": "nothing on the other side passed both thresholds",
    "fact_conflict": "a claim on the other side passed both thresholds but its facts disagree",
    "taken": "candidates were assigned to other claims",
    "article_missing": "the run has no record for this article",
}


@dataclass
class Mark:
    """One span to highlight: a claim's quote (coloured by status) or its claimant/cue (styled)."""

    start: int
    end: int
    kind: Kind
    label: str
    status: Status | None = None
    title: str = ""


@dataclass
class Segment:
    text: str
    classes: str = ""
    title: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class ClaimRow:
    """One line of an article's claim list (under the two text columns)."""

    status: Status | Literal["ungrounded"]
    label: str
    statement: str
    who: str
    detail: str
    other: str = ""


@dataclass
class ArticleView:
    id: str
    anchor: str
    title: str | None
    result: ArticleResult
    flag: str
    gold: list[Segment] | None
    pred: list[Segment] | None
    rows: list[ClaimRow]


def _short(s: str | None, limit: int = MAX_STATEMENT) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def who(c: Claim) -> str:
    name = c.claimant.name or c.claimant.text
    kind = c.claimant.type.value if c.claimant.type is not None else "unknown"
    return f"{name} ({kind})" if name else kind


def describe(c: Claim) -> str:
    """The hover text of a claim: statement, claimant, cue and labels, one per line."""
    lines = [f"statement: {_short(c.statement)}", f"claimant: {who(c)}"]
    if c.claimant.role:
        lines[-1] += f", {c.claimant.role}"
    extra = [f"cue: {c.cue.text}" if c.cue else "cue: none"]
    if c.attribution is not None:
        extra.append(f"attribution: {c.attribution.value}")
    if c.certainty is not None:
        extra.append(f"certainty: {c.certainty.value}")
    return "\n".join([*lines, " · ".join(extra)])


def _valid(span: Span | None, n: int) -> tuple[int, int] | None:
    if span is None:
        return None
    s, e = max(0, span.start), min(n, span.end)
    return (s, e) if s < e else None


def _claim_marks(c: Claim, n: int, label: str, status: Status, head: str) -> list[Mark]:
    title = f"{head}\n{describe(c)}"
    out: list[Mark] = []
    q = _valid(c.quote_span, n)
    if q:
        out.append(Mark(q[0], q[1], "quote", label, status, title))
    cl = _valid(c.claimant.span, n)
    if cl:
        out.append(Mark(cl[0], cl[1], "claimant", label, None, f"claimant of {label}: {who(c)}"))
    cue = _valid(c.cue.span if c.cue else None, n)
    if cue:
        out.append(Mark(cue[0], cue[1], "cue", label, None, f"cue of {label}: {c.cue.text if c.cue else ''}"))
    return out


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """Cut ``text`` at every mark boundary; each piece knows the marks that cover it."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    starts: dict[int, list[str]] = {}
    for m in sorted(marks, key=lambda m: (m.start, -m.end)):
        if m.kind == "quote":
            starts.setdefault(m.start, []).append(m.label)
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        cover = [m for m in marks if m.start <= a and m.end >= b]
        quotes = [m for m in cover if m.kind == "quote"]
        classes = sorted({STATUS_CLASS[m.status] for m in quotes if m.status})
        if len(quotes) > 1:
            classes.append("multi")
        if any(m.kind == "claimant" for m in cover):
            classes.append("who")
        if any(m.kind == "cue" for m in cover):
            classes.append("cue")
        titles = [m.title for m in quotes] + [m.title for m in cover if m.kind != "quote"]
        out.append(Segment(text[a:b], " ".join(classes), "\n\n".join(titles), starts.get(a, [])))
    return out


def _pair_head(p: MatchedPair, side: Literal["gold", "pred"]) -> str:
    other = f"pred #{p.pred_index}" if side == "gold" else f"gold #{p.gold_index}"
    me = f"gold #{p.gold_index}" if side == "gold" else f"pred #{p.pred_index}"
    claimant = "claimant right" if p.claimant_correct else "claimant wrong"
    return (f"{me} · matched with {other} (quote Dice {p.quote_dice:.2f}, statement {p.statement_similarity:.2f}; "
            f"{claimant})")


def _unmatched_head(u: UnmatchedClaim, side: Literal["gold", "pred"]) -> str:
    me = f"gold #{u.index} · missed" if side == "gold" else f"pred #{u.index} · spurious"
    other = "pred" if side == "gold" else "gold"
    near = ""
    if u.nearest_index is not None:
        near = f"; nearest {other} #{u.nearest_index}"
        if u.nearest_quote_dice is not None and u.nearest_statement_similarity is not None:
            near += f" (quote Dice {u.nearest_quote_dice:.2f}, statement {u.nearest_statement_similarity:.2f})"
        if u.nearest_conflict:
            near += f"; {u.nearest_conflict}"
    return f"{me} ({REASONS.get(u.reason, u.reason)}{near})"


def _fields(p: MatchedPair) -> str:
    wrong = [f"{k}: gold {v.gold}, pred {v.pred}" for k, v in p.fields.items() if v.correct is False]
    return "fields right" if not wrong else "; ".join(wrong)


def article_view(a: ArticleResult) -> ArticleView:
    n = len(a.text) if a.text is not None else 0
    gold_marks: list[Mark] = []
    pred_marks: list[Mark] = []
    rows: list[ClaimRow] = []
    for p in a.matched:
        gold_marks += _claim_marks(p.gold, n, f"g{p.gold_index}", "matched", _pair_head(p, "gold"))
        pred_marks += _claim_marks(p.pred, n, f"p{p.pred_index}", "matched", _pair_head(p, "pred"))
        rows.append(ClaimRow("matched", f"g{p.gold_index} ↔ p{p.pred_index}", _short(p.gold.statement), who(p.gold),
                             _fields(p), f"pred: {_short(p.pred.statement)} — {who(p.pred)}"))
    for u in a.missed:
        gold_marks += _claim_marks(u.claim, n, f"g{u.index}", "missed", _unmatched_head(u, "gold"))
        rows.append(ClaimRow("missed", f"g{u.index}", _short(u.claim.statement), who(u.claim),
                             REASONS.get(u.reason, u.reason)))
    for u in a.spurious:
        pred_marks += _claim_marks(u.claim, n, f"p{u.index}", "spurious", _unmatched_head(u, "pred"))
        status: Status | Literal["ungrounded"] = "ungrounded" if u.reason == "ungrounded" else "spurious"
        rows.append(ClaimRow(status, f"p{u.index}", _short(u.claim.statement), who(u.claim),
                             REASONS.get(u.reason, u.reason)))
    rows.sort(key=lambda r: ({"missed": 0, "spurious": 1, "ungrounded": 2, "matched": 3}[r.status], r.label))
    flag = "missing from the run" if not a.in_run else ("extraction failed" if a.failed else "")
    return ArticleView(
        id=a.article_id,
        anchor="a-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in a.article_id),
        title=a.title,
        result=a,
        flag=flag,
        gold=segments(a.text, gold_marks) if a.text is not None else None,
        pred=segments(a.text, pred_marks) if a.text is not None else None,
        rows=rows,
    )


def _env() -> Any:

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,  # every article/model string is escaped; nothing is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["f3"] = lambda v: "–" if v is None else f"{v:.3f}"
    env.filters["signed"] = lambda v: "–" if v is None else f"{v:+.3f}"
    env.filters["pct"] = lambda v: f"{v:.0%}"
    env.filters["clamp"] = lambda v: f"{min(max(v, 0.0), 1.0) * 100:.1f}"
    return env


def to_html(result: EvalResult | ComparisonResult, *, max_articles: int = MAX_ARTICLES) -> str:
    env = _env()
    if isinstance(result, ComparisonResult):
        return env.get_template("comparison.html.j2").render(
            cmp=result,
            title="claims compare",
            reference=reference_parts(result),
        )
    ordered = sorted(result.articles, key=lambda a: (a.claims.f1, a.article_id))
    views = [article_view(a) for a in ordered[:max_articles]]
    return env.get_template("eval.html.j2").render(
        r=result,
        title=f"claims eval: {result.run.path}",
        articles=views,
        anchors={v.id: v.anchor for v in views},
        ordered=ordered,
        hidden=max(0, len(ordered) - max_articles),
        reference=reference_parts(result),
        cmp=result.comparison,
    )


def write_html(result: EvalResult | ComparisonResult, path: str | Path) -> None:
    atomic_write_text(path, to_html(result))

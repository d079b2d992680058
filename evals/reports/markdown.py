"""Markdown report: a summary short enough for a pull-request comment.

It leads with the headline (claim F1 and attributed-claim F1 with their intervals), puts
the score between the floor and the ceiling, then (for a gate) the verdict with its
reasons and the biggest regressions and gains. Everything printed comes from the result
model; claim text is escaped so that a statement cannot inject Markdown or HTML into
the comment it is pasted into.
"""

from __future__ import annotations

import re
from pathlib import Path

from claims.evals.reports import reference_parts, significance_note
from claims.evals.results import ClaimChange, ComparisonResult, Estimate, EvalResult, FieldFlip, GateResult, SignificanceTest
from claims.kernel.io import atomic_write_text

MAX_CHANGES = 10  # lines per regression list (lost claims, broken fields)
MAX_GAINS = 5  # lines per gain list (gained claims, fixed fields)
MAX_STATEMENT = 90
FIELD_LABELS = {"claimant_name": "claimant name", "claimant_type": "claimant type",
                "attribution": "attribution", "certainty": "certainty"}
METRIC_LABELS = {"f1": "F1", "attributed_f1": "attributed F1"}
METHOD_LABELS = {"paired_bootstrap": "paired bootstrap", "approximate_randomization": "approx. randomisation"}

# Punctuation that can start markup mid-line in CommonMark/GFM (emphasis, links, HTML,
# entities, table cells, strikethrough, code); each gets a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")


def md_text(value: object, limit: int | None = MAX_STATEMENT) -> str:
    """One line of untrusted text, shortened and with every Markdown/HTML metacharacter escaped."""
    s = " ".join(str(value).split())
    if limit is not None and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_code(value: object, limit: int | None = 60) -> str:
    """Untrusted text as an inline code span (no escapes inside code; fence widened past any backticks)."""
    s = " ".join(str(value).split())
    if limit is not None and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def _ci(e: Estimate | None) -> str:
    if e is None:
        return ""
    if e.ci is None:
        return f"{e.value:.3f}"
    return f"{e.value:.3f} ({e.ci.confidence:.0%} CI {e.ci.low:.3f}–{e.ci.high:.3f})"


def reference_line(result: EvalResult | ComparisonResult) -> str:
    """The 'floor — this run — ceiling' line on claim F1."""
    floor, run, ceiling = reference_parts(result)
    return f"Claim F1: {floor} — **{run}** — {ceiling}"


def _run_label(path: str, backend: str | None, model: str | None, prompt: str | None) -> str:
    extra = " / ".join(x for x in (backend, model, prompt) if x)
    return f"{md_code(path, 80)}" + (f" ({md_text(extra, 80)})" if extra else "")


def _gate_lines(gate: GateResult) -> list[str]:
    out = [f"### {'✅ Gate passed' if gate.passed else '❌ Gate failed'}"]
    out += [f"- {'✓' if c.passed else '✗'} {c.message}" for c in gate.checks]
    return out


def _change(c: ClaimChange) -> str:
    who = c.gold.claimant.name or c.gold.claimant.text
    return (f"- {md_code(c.article_id, 40)} gold #{c.gold_index}: {md_text(c.gold.statement)}"
            + (f" — *{md_text(who, 40)}*" if who else ""))


def _flip(f: FieldFlip) -> str:
    return (f"- {md_code(f.article_id, 40)} gold #{f.gold_index} {FIELD_LABELS[f.field]}: gold "
            f"{md_code(_v(f.gold), 30)}, base {md_code(_v(f.base), 30)}, head {md_code(_v(f.head), 30)}")


def _v(value: str | None) -> str:
    return "none" if value is None else value


def _capped(title: str, lines: list[str], total: int, cap: int = MAX_CHANGES) -> list[str]:
    if not lines:
        return []
    more = f" (first {cap} of {total})" if total > cap else ""
    return [f"**{title}**{more}", *lines[:cap], ""]


def comparison_lines(cmp: ComparisonResult, *, heading: str = "##") -> list[str]:
    """Base vs head, the tests, then the largest regressions and gains (most-changed articles first)."""
    b, h = cmp.base, cmp.head
    out = [
        f"{heading} Comparison: base {_run_label(b.run, b.backend, b.model, b.prompt)} → "
        f"head {_run_label(h.run, h.backend, h.model, h.prompt)}",
        "",
        f"Matcher: {md_text(cmp.thresholds.matcher_text(), 300)}.",
        "",
        "| | base | head | delta |",
        "|---|---:|---:|---:|",
    ]
    for label, bv, hv, dv in (
        ("precision", b.claims.precision, h.claims.precision, None),
        ("recall", b.claims.recall, h.claims.recall, None),
        ("F1", b.claims.f1, h.claims.f1, cmp.delta_f1),
        ("attributed F1", b.attributed.f1, h.attributed.f1, cmp.delta_attributed_f1),
        ("macro F1", b.macro_f1, h.macro_f1, None),
    ):
        out.append(f"| {label} | {bv:.3f} | {hv:.3f} | {(hv - bv) if dv is None else dv:+.3f} |")
    out.append("")
    by_metric: dict[str, list[SignificanceTest]] = {}
    for t in cmp.tests:
        by_metric.setdefault(t.metric, []).append(t)
    for metric, tests in by_metric.items():
        ci = next((f", {t.ci.confidence:.0%} CI [{t.ci.low:+.3f}, {t.ci.high:+.3f}]" for t in tests if t.ci), "")
        ps = ", ".join(f"p = {t.p_value:.4f} ({METHOD_LABELS.get(t.method, t.method)})" for t in tests)
        out.append(f"- {METRIC_LABELS.get(metric, metric)}: delta {tests[0].observed_delta:+.4f}{ci}; {ps}")
    if cmp.tests:
        out.append(f"- {significance_note(cmp)}")
    flips = ", ".join(f"{FIELD_LABELS[f]} +{v.get('fixed', 0)}/−{v.get('broken', 0)}" for f, v in cmp.flips.items())
    out += [f"- gold claims gained {cmp.gained}, lost {cmp.lost}; field flips (fixed/broken): {flips or 'none'}", ""]

    worst = sorted(cmp.articles, key=lambda d: (d.delta_f1, d.article_id))
    best = sorted(cmp.articles, key=lambda d: (-d.delta_f1, d.article_id))
    lost = [_change(c) for d in worst for c in d.lost]
    broken = [_flip(f) for d in worst for f in d.flips if f.direction == "broken"]
    gained = [_change(c) for d in best for c in d.gained]
    fixed = [_flip(f) for d in best for f in d.flips if f.direction == "fixed"]
    out += _capped("Lost claims", lost, len(lost))
    out += _capped("Broken fields", broken, len(broken))
    out += _capped("Gained claims", gained, len(gained), MAX_GAINS)
    out += _capped("Fixed fields", fixed, len(fixed), MAX_GAINS)
    return out


def eval_lines(result: EvalResult) -> list[str]:
    r = result.run
    hl = result.headline
    c = result.claims
    out = [
        f"## Claims eval: {_run_label(r.path, r.backend, r.model, r.prompt)}",
        "",
        f"**Claim F1 {_ci(hl.get('f1'))}** · P {c.precision:.3f} · R {c.recall:.3f} "
        f"(TP {c.tp}, FP {c.fp}, FN {c.fn}) · macro F1 {result.macro_f1:.3f}",
        "",
        f"**Attributed-claim F1 {_ci(hl.get('attributed_f1'))}** · P {result.attributed.precision:.3f} "
        f"· R {result.attributed.recall:.3f}",
        "",
        reference_line(result),
        "",
        f"Gold {md_code(result.gold.path, 60)}: {result.gold.n_articles} articles, {result.gold.n_claims} claims. "
        f"Matcher: {md_text(result.thresholds.matcher_text(), 300)}.",
    ]
    problems = []
    if result.missing_articles:
        problems.append(f"{len(result.missing_articles)} missing from the run")
    if result.failed_articles:
        problems.append(f"{len(result.failed_articles)} failed")
    lowest = sorted(result.articles, key=lambda a: (a.claims.f1, a.article_id))[:3]
    if lowest:
        low = ", ".join(f"{md_code(a.article_id, 40)} {a.claims.f1:.3f}" for a in lowest)
        out += ["", f"Lowest article F1: {low}" + (f" ({'; '.join(problems)})" if problems else "")]
    out += ["", "| field | " + " | ".join(FIELD_LABELS[f] for f in result.fields) + " |",
            "|---|" + "---:|" * len(result.fields),
            "| accuracy | " + " | ".join("–" if s.accuracy is None else f"{s.accuracy:.3f}" for s in result.fields.values()) + " |",
            "| correct/scored | " + " | ".join(f"{s.correct}/{s.scored}" for s in result.fields.values()) + " |"]
    quote = result.spans.get("quote")
    if quote is not None:
        out += ["", "Quote spans F1: " + ", ".join(f"{k} {v.f1:.3f}" for k, v in quote.schemes.items())]
    if result.gate is not None:
        out += ["", *_gate_lines(result.gate)]
    if result.comparison is not None:
        out += ["", *comparison_lines(result.comparison, heading="###")]
    return out


def to_markdown(result: EvalResult | ComparisonResult) -> str:
    if isinstance(result, EvalResult):
        lines = eval_lines(result)
    else:
        head, *rest = comparison_lines(result)
        lines = [head, "", reference_line(result), *rest]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def write_markdown(result: EvalResult | ComparisonResult, path: str | Path) -> None:
    atomic_write_text(path, to_markdown(result))

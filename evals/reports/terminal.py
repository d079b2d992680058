"""Terminal report: rich tables for `claims eval` and `claims compare`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from claims.evals.reports import reference_parts, significance_note
from claims.evals.results import ComparisonResult, Estimate, EvalResult, GateResult
from claims.kernel.wording import plural

MAX_ARTICLE_ROWS = 40


def _ci(e: Estimate) -> str:
    return f"[{e.ci.low:.3f}, {e.ci.high:.3f}]" if e.ci else "-"


def reference_strip(result: EvalResult | ComparisonResult) -> str:
    """'floor — this run — ceiling' on claim F1, the line that puts a score in context."""
    floor, run, ceiling = reference_parts(result)
    return f"F1: {floor} — [bold]{run}[/bold] — {ceiling}"


def render_gate(gate: GateResult, console: Console) -> None:
    verdict = "[bold green]GATE PASSED[/]" if gate.passed else "[bold red]GATE FAILED[/]"
    console.print(verdict)
    for c in gate.checks:
        console.print(f"  {'✓' if c.passed else '✗'} {c.message}")


def render_eval(result: EvalResult, console: Console | None = None, *, max_articles: int = MAX_ARTICLE_ROWS) -> None:
    con = console or Console()
    t = result.thresholds
    con.print(
        f"[bold]{result.run.path}[/] ({result.run.backend or '?'}{' / ' + result.run.model if result.run.model else ''}"
        f"{' / ' + result.run.prompt if result.run.prompt else ''}) scored against the gold in {result.gold.path}: "
        f"{plural(result.gold.n_articles, 'article')}, {plural(result.gold.n_claims, 'gold claim')}"
    )
    con.print(
        f"matcher: {t.matcher_text()}; bootstrap {result.bootstrap.resamples} resamples, seed {result.bootstrap.seed}"
    )
    con.print(reference_strip(result))

    conf = f"{result.bootstrap.confidence:.0%} CI"
    head = Table(title="Claims", show_edge=False)
    for col in ("metric", "value", conf, "counts"):
        head.add_column(col, justify="right" if col != "metric" else "left")
    c, a = result.claims, result.attributed
    rows = [
        ("precision", "precision", f"TP {c.tp} FP {c.fp}"),
        ("recall", "recall", f"TP {c.tp} FN {c.fn}"),
        ("F1 (micro)", "f1", ""),
        ("F1 (macro)", "macro_f1", plural(len(result.articles), "article")),
        ("attributed P", "attributed_precision", f"TP {a.tp} FP {a.fp}"),
        ("attributed R", "attributed_recall", f"TP {a.tp} FN {a.fn}"),
        ("attributed F1", "attributed_f1", ""),
    ]
    for label, key, counts in rows:
        e = result.headline[key]  # type: ignore[index]
        head.add_row(label, f"{e.value:.3f}", _ci(e), counts)
    con.print(head)

    ft = Table(title="Fields on matched pairs", show_edge=False)
    for col in ("field", "accuracy", "correct/scored", "gold unknown"):
        ft.add_column(col, justify="right" if col != "field" else "left")
    for f in result.fields.values():
        ft.add_row(f.field, "-" if f.accuracy is None else f"{f.accuracy:.3f}", f"{f.correct}/{f.scored}", str(f.excluded_unknown))
    con.print(ft)

    st = Table(title="Spans (F1; SemEval-2013 schemes)", show_edge=False)
    st.add_column("span")
    for s in ("strict", "exact", "partial", "type"):
        st.add_column(s, justify="right")
    st.add_column("gold/pred", justify="right")
    for sp in result.spans.values():
        strict = sp.schemes["strict"]
        st.add_row(sp.kind, *(f"{sp.schemes[s].f1:.3f}" for s in ("strict", "exact", "partial", "type")),
                   f"{strict.possible}/{strict.actual}")
    con.print(st)

    at = Table(title="Articles", show_edge=False)
    for col in ("article", "gold", "pred", "TP", "FP", "FN", "F1", "attr F1", "status"):
        at.add_column(col, justify="left" if col in ("article", "status") else "right")
    arts = sorted(result.articles, key=lambda x: (x.claims.f1, x.article_id))
    for art in arts[:max_articles]:
        flag = "missing" if not art.in_run else ("failed" if art.failed else "ok")
        at.add_row(art.article_id, str(art.n_gold), str(art.n_pred), str(art.claims.tp), str(art.claims.fp),
                   str(art.claims.fn), f"{art.claims.f1:.3f}", f"{art.attributed.f1:.3f}", flag)
    con.print(at)
    if len(arts) > max_articles:
        con.print(f"(showing the {max_articles} lowest-F1 of {len(arts)} articles; --json has all)")
    if result.missing_articles:
        con.print(f"[yellow]missing from the run (all-missed):[/] {', '.join(result.missing_articles[:20])}"
                  f"{' …' if len(result.missing_articles) > 20 else ''}")
    for note in result.notes:
        con.print(f"[dim]note: {note}[/]")
    if result.comparison is not None:
        render_comparison(result.comparison, con, brief=True)
    if result.gate is not None:
        render_gate(result.gate, con)


def render_comparison(cmp: ComparisonResult, console: Console | None = None, *, brief: bool = False, max_changes: int = 30) -> None:
    con = console or Console()
    con.print(f"matcher: {cmp.thresholds.matcher_text()}")
    tt = Table(title=f"Comparison: base {cmp.base.run} vs head {cmp.head.run}", show_edge=False)
    for col in ("metric", "base", "head", "delta"):
        tt.add_column(col, justify="right" if col != "metric" else "left")
    b, h = cmp.base, cmp.head
    for label, bv, hv in (
        ("precision", b.claims.precision, h.claims.precision),
        ("recall", b.claims.recall, h.claims.recall),
        ("F1", b.claims.f1, h.claims.f1),
        ("attributed F1", b.attributed.f1, h.attributed.f1),
        ("macro F1", b.macro_f1, h.macro_f1),
    ):
        tt.add_row(label, f"{bv:.3f}", f"{hv:.3f}", f"{hv - bv:+.3f}")
    con.print(tt)
    if cmp.floor or cmp.ceiling:
        con.print(reference_strip(cmp))
    for t in cmp.tests:
        ci = f", CI [{t.ci.low:+.3f}, {t.ci.high:+.3f}]" if t.ci else ""
        con.print(f"  {t.method} ({t.metric}): delta {t.observed_delta:+.4f}, p = {t.p_value:.4f}{ci}")
    if cmp.tests:
        con.print(f"[dim]{significance_note(cmp)}[/]")
    con.print(f"gold claims gained {cmp.gained}, lost {cmp.lost}; field flips: " + ", ".join(
        f"{f} +{v['fixed']}/-{v['broken']}" for f, v in cmp.flips.items()))
    if brief:
        return
    shown = 0
    for d in cmp.articles:
        if not (d.gained or d.lost or d.flips):
            continue
        con.print(f"[bold]{d.article_id}[/] F1 {d.base.f1:.3f} -> {d.head.f1:.3f}")
        for g in d.gained:
            con.print(f"  [green]+ gold {g.gold_index}[/] {g.gold.statement[:100]}")
        for g in d.lost:
            con.print(f"  [red]- gold {g.gold_index}[/] {g.gold.statement[:100]}")
        for fl in d.flips:
            con.print(f"  [{'green' if fl.direction == 'fixed' else 'red'}]~ gold {fl.gold_index} {fl.field}[/]: "
                      f"gold {fl.gold!r}, base {fl.base!r}, head {fl.head!r}")
        shown += 1
        if shown >= max_changes:
            con.print(f"(first {max_changes} changed articles shown; --json has all)")
            break


def render_sweep(rows: list[dict[str, float]], console: Any, title: str = "Sweep") -> None:
    t = Table(title=title, show_edge=False)
    for col in ("quote", "statement", "P", "R", "F1", "attr F1", "macro F1"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(f"{r['quote']:.2f}", f"{r['statement']:.2f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                  f"{r['f1']:.3f}", f"{r['attributed_f1']:.3f}", f"{r['macro_f1']:.3f}")
    console.print(t)  # type: ignore[attr-defined]


def render_calibration(rows: list[dict[str, float | None]], notes: list[str], recommended: dict[str, float | None] | None,
                       slack: float, console: Any) -> None:
    """The threshold grid of `claims calibrate`: floor, rules and ceiling F1 at each point."""
    for n in notes:
        console.print(f"[dim]{n}[/]")
    t = Table(title="Claim F1 by matcher thresholds (floor low, ceiling high is good)", show_edge=False)
    cols = ("sentences", "rules", "ceiling")
    console.print("columns: claim F1 and attributed F1 (attr) of the floor (sentences), rules and the ceiling (gold/double); gap = ceiling - floor")
    for col in ("Dice", "stmt", "floor", "attr", "rules", "attr", "ceiling", "attr", "gap"):
        t.add_column(col, justify="right")

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    for r in rows:
        gap = r["ceiling"] - r["sentences"] if r.get("ceiling") is not None and r.get("sentences") is not None else None  # type: ignore[operator]
        cells = [fmt(r.get(k)) for c in cols for k in (c, f"{c}_attributed")]
        t.add_row(f"{r['quote']:.2f}", f"{r['statement']:.2f}", *cells, fmt(gap))
    console.print(t)
    if recommended:
        rec = recommended
        console.print(
            f"recommended: quote Dice {rec['quote']:.2f}, statement {rec['statement']:.2f} "
            f"(ceiling {rec['ceiling']:.3f}, floor {rec['sentences']:.3f}; widest gap with the ceiling within {slack} of its best)"
        )

"""Reports of a link eval: terminal tables, JSON, Markdown and HTML, all rendering the one
``LinkEvalResult`` (so they agree), framed like `claims eval`: floor — this linking — ceiling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claims.evals.links.evaluate import HEADLINE, LinkEvalResult
from claims.evals.reports.markdown import md_code, md_text
from claims.kernel.io import atomic_write_text

LABELS = {"conll": "CoNLL F1", "muc": "MUC", "b_cubed": "B-cubed", "ceaf_e": "CEAF-e", "pairwise": "pairwise"}


def rows(r: LinkEvalResult) -> list[dict[str, Any]]:
    """One row per metric: this linking with its interval, P and R, floor and ceiling F1."""
    out = []
    for h in HEADLINE:
        e = r.headline[h]
        part = None if h == "conll" else getattr(r.scores, h)
        out.append({
            "metric": LABELS[h], "f1": e.value, "ci": (e.ci.low, e.ci.high) if e.ci else None,
            "precision": part.precision if part else None, "recall": part.recall if part else None,
            "floor": r.floor.f1(h), "ceiling": r.ceiling.f1(h) if r.ceiling else None,
        })
    return out


def reference(r: LinkEvalResult) -> tuple[str, str, str]:
    ceiling = f"ceiling {r.ceiling.conll:.3f}" if r.ceiling else "ceiling: no second labelling"
    progress = f" ({r.progress:.0%} of the way)" if r.progress is not None else ""
    return f"floor {r.floor.conll:.3f}", f"this linking {r.scores.conll:.3f}{progress}", ceiling


def first_line(r: LinkEvalResult) -> str:
    fa = r.first_appearance
    if not fa.dated_clusters:
        return "first appearance: no dated gold cluster (the input carries no published dates)"
    wrong = f"; wrong: {', '.join(fa.wrong[:8])}" if fa.wrong else ""
    missing = f"; {len(fa.missing)} not found among the linked claims" if fa.missing else ""
    across = f" ({fa.across_right}/{fa.across} of those published at different times)" if fa.across else ""
    return f"first appearance right for {fa.right}/{fa.found} dated gold clusters found{across}{missing}{wrong}"


def render(r: LinkEvalResult, console: Any) -> None:
    from rich.table import Table

    from claims.evals.reports.terminal import render_gate

    a = r.alignment
    console.print(f"[bold]{r.links}[/] vs gold {r.gold}: "
                  f"{r.n_gold_clusters} gold clusters ({r.n_gold_linked} with more than one claim)")
    console.print(f"linked by {r.similarity_text()}", markup=False)
    console.print(f"aligned {a.matched} of {a.linked_claims} linked claims to the {a.gold_claims} gold claims "
                  f"({a.spurious} unmatched, {a.missed} gold claims missed)")
    floor, run, ceiling = reference(r)
    console.print(f"CoNLL F1: {floor} — [bold]{run}[/bold] — {ceiling}")
    t = Table(show_edge=False)
    for col in ("metric", "F1", f"{r.bootstrap.confidence:.0%} CI", "P", "R", "floor", "ceiling"):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for row in rows(r):
        t.add_row(row["metric"], f"{row['f1']:.3f}", f"[{row['ci'][0]:.3f}, {row['ci'][1]:.3f}]" if row["ci"] else "-",
                  _f(row["precision"]), _f(row["recall"]), f"{row['floor']:.3f}", _f(row["ceiling"]))
    console.print(t)
    console.print(first_line(r))
    for note in r.notes:
        console.print(f"[dim]note: {note}[/]")
    if r.gate is not None:
        render_gate(r.gate, console)


def _f(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def to_markdown(r: LinkEvalResult) -> str:
    floor, run, ceiling = reference(r)
    e = r.headline["conll"]
    ci = f" ({r.bootstrap.confidence:.0%} CI {e.ci.low:.3f}–{e.ci.high:.3f})" if e.ci else ""
    lines = [f"## Claim links: {md_code(r.links, 80)}", "",
             f"**CoNLL F1 {r.scores.conll:.3f}{ci}** · linked by {md_text(r.similarity_text(), 300)}", "",
             f"CoNLL F1: {floor} — **{run}** — {ceiling}", "",
             "| metric | F1 | CI | P | R | floor | ceiling |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows(r):
        cis = f"{row['ci'][0]:.3f}–{row['ci'][1]:.3f}" if row["ci"] else ""
        lines.append(f"| {row['metric']} | {row['f1']:.3f} | {cis} | {_f(row['precision'])} | {_f(row['recall'])} "
                     f"| {row['floor']:.3f} | {_f(row['ceiling'])} |")
    a = r.alignment
    lines += ["", f"Aligned {a.matched} of {a.linked_claims} linked claims to {a.gold_claims} gold claims; "
              f"{r.n_gold_clusters} gold clusters. {md_text(first_line(r), 300)}."]
    if r.gate is not None:
        lines += ["", f"### {'✅ Gate passed' if r.gate.passed else '❌ Gate failed'}",
                  *(f"- {'✓' if c.passed else '✗'} {md_text(c.message, 200)}" for c in r.gate.checks)]
    return "\n".join(lines) + "\n"


def to_html(r: LinkEvalResult) -> str:
    from claims.evals.links.html import environment

    return environment().get_template("links_eval.html.j2").render(
        title=f"claims eval-links: {r.links}", r=r, rows=rows(r), reference=reference(r), first=first_line(r))


def write_reports(r: LinkEvalResult, *, json_path: Path | None = None, markdown_path: Path | None = None,
                  html_path: Path | None = None) -> None:
    from claims.evals.reports import ReportError

    for path, render_fn in ((json_path, lambda: r.model_dump_json(indent=2) + "\n"), (markdown_path, lambda: to_markdown(r)),
                            (html_path, lambda: to_html(r))):
        if path is None:
            continue
        try:
            atomic_write_text(path, render_fn())
        except OSError as e:
            raise ReportError(f"{path}: cannot write the report ({e.strerror or e})") from None


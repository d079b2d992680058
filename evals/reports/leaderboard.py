"""The suite leaderboard: one row per variant (best pooled F1 first), framed by the floor
(the `sentences` backend) and the ceiling (agreement of two label sets), as a terminal
table and as Markdown. It renders ``claims.evals.results.SuiteResult`` and computes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from claims.evals.reports.markdown import md_code, md_text

if TYPE_CHECKING:
    from claims.evals.results import LeaderboardRow, SuiteResult

FIELD_HEADS = {"claimant_name": "name", "claimant_type": "type", "attribution": "attr.", "certainty": "cert."}


def _ci(row: "LeaderboardRow") -> str:
    e = row.f1
    return f"{e.ci.low:.3f}–{e.ci.high:.3f}" if e.ci else ""


def _spread(row: "LeaderboardRow") -> str:
    if row.repeats <= 1 or row.f1_mean is None:
        return ""
    return f"mean {row.f1_mean:.3f}, {row.f1_min:.3f}–{row.f1_max:.3f}, sd {row.f1_sd:.3f}"


def _acc(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _tokens(row: "LeaderboardRow") -> str:
    if row.kind != "variant" or row.backend in ("rules", "sentences"):
        return ""
    return f"{row.prompt_tokens + row.completion_tokens:,}"


def _cost(row: "LeaderboardRow") -> str:
    if row.kind != "variant":
        return ""
    return "–" if row.cost_usd is None else f"${row.cost_usd:.4f}"


def _what(row: "LeaderboardRow") -> str:
    if row.kind != "variant":
        return row.description or ""
    parts = [row.backend or "?"]
    if row.model:
        parts.append(row.model)
    if row.prompt:
        parts.append(row.prompt + (f" #{row.prompt_sha256[:8]}" if row.prompt_sha256 else ""))
    return " / ".join(parts)


def _rows(result: "SuiteResult") -> list["LeaderboardRow"]:
    out = list(result.rows)
    if result.ceiling is not None:
        out.insert(0, result.ceiling)
    if result.floor is not None:
        out.append(result.floor)
    return out


def _short(row: "LeaderboardRow") -> str:
    if row.kind != "variant":
        return ""
    return " · ".join(x for x in (row.model, row.prompt) if x) or "–"


def render_leaderboard(result: "SuiteResult", console: Any) -> None:
    """A compact table (model · prompt, no hashes); the floor and ceiling explained below it."""

    conf = f"{result.confidence:.0%} CI"
    repeats = any(r.repeats > 1 for r in result.rows)
    t = Table(title=f"Suite {result.suite}: {result.n_articles} articles, {result.n_gold_claims} gold claims", show_edge=False)
    cols = [("variant", "left"), ("model · prompt", "left"), ("F1", "right"), (conf, "right")]
    cols += [("repeats: mean, min–max, sd", "left")] if repeats else []
    cols += [("attr. F1", "right"), ("P", "right"), ("R", "right"), *((f, "right") for f in FIELD_HEADS.values()),
             ("tokens", "right"), ("cost", "right"), ("fail", "right")]
    for col, just in cols:
        t.add_column(col, justify=just, no_wrap=True)  # type: ignore[arg-type]
    for r in _rows(result):
        cells = [r.name if r.kind == "variant" else f"({r.name})", _short(r), f"{r.f1.value:.3f}", _ci(r)]
        cells += [f"{r.repeats}: {_spread(r)}" if r.repeats > 1 else ""] if repeats else []
        cells += [f"{r.attributed_f1.value:.3f}", f"{r.precision:.3f}", f"{r.recall:.3f}",
                  *(_acc(r.fields.get(f)) for f in FIELD_HEADS), _tokens(r), _cost(r),
                  str(r.failures) if r.kind == "variant" else ""]
        t.add_row(*cells, style="dim" if r.kind != "variant" else None)
    console.print(t)
    for ref in (result.ceiling, result.floor):
        if ref is not None:
            console.print(f"({ref.name}): {ref.description}")
    th = result.thresholds
    console.print(f"matcher: {th.matcher_text()}; "
                  f"bootstrap {result.resamples} resamples over articles; name/type/attr./cert.: accuracy on matched pairs")
    for n in result.notes:
        console.print(f"note: {n}")


def leaderboard_markdown(result: "SuiteResult", *, heading: str = "##") -> str:
    conf = f"{result.confidence:.0%} CI"
    heads = ["variant", "backend / model / prompt", "F1", conf, "repeats", "attr. F1", "P", "R",
             *FIELD_HEADS.values(), "tokens", "cost", "failed"]
    out = [
        f"{heading} Suite {md_code(result.suite)}: {result.n_articles} articles, {result.n_gold_claims} gold claims",
        "",
        "| " + " | ".join(heads) + " |",
        "|" + "|".join("---" if i < 2 or h == "repeats" else "---:" for i, h in enumerate(heads)) + "|",
    ]
    for r in _rows(result):
        name = f"**{md_text(r.name)}**" if r.kind == "variant" else f"*{r.name}*"
        cells = [
            name, md_text(_what(r), 120), f"{r.f1.value:.3f}", _ci(r),
            (f"{r.repeats}: {_spread(r)}" if r.repeats > 1 else ""), f"{r.attributed_f1.value:.3f}",
            f"{r.precision:.3f}", f"{r.recall:.3f}", *(_acc(r.fields.get(f)) for f in FIELD_HEADS),
            _tokens(r), _cost(r), str(r.failures) if r.kind == "variant" else "",
        ]
        out.append("| " + " | ".join(cells) + " |")
    th = result.thresholds
    out += [
        "",
        f"Matcher: {md_text(th.matcher_text(), 300)}. "
        f"CIs: bootstrap over articles ({result.resamples} resamples). Field columns: accuracy on matched pairs "
        "(claimant name, claimant type, attribution, certainty). Tokens count every answer, cached ones included.",
    ]
    out += [f"- note: {md_text(n, 300)}" for n in result.notes]
    return "\n".join(out) + "\n"

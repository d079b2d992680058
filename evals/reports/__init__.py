"""Reports render the result model (evals.results) and never recompute a number.

``write_reports`` is the one call the CLI makes after scoring; each report format adds
one keyword here (markdown, junit, html are added by their own modules).
"""

from __future__ import annotations

from pathlib import Path

from claims.evals.results import ComparisonResult, EvalResult, ReferenceLine
from claims.kernel.errors import UserError
from claims.kernel.wording import plural


def significance_note(cmp: ComparisonResult) -> str:
    """Which test the gate uses, and why the two p-values can disagree on few articles."""
    n = len(cmp.articles)
    floor = 1 / 2 ** max(0, n - 1) if n else 1.0
    return (
        "The gate uses the paired bootstrap: the one-sided lower confidence bound of the difference must stay above "
        "the allowed drop. Approximate randomisation swaps whole articles between the runs; with "
        f"{plural(n, 'article')} its two-sided p cannot go below {floor:.4f}, while the bootstrap, which resamples "
        "those same articles, is overconfident when there are few of them"
        + (f": with {n} articles read both as indications, not proof." if n < 30 else ".")
    )


def _reference(line: ReferenceLine | None, name: str, n_double: int) -> str:
    if line is not None:
        return f"{name} {line.claims.f1:.3f} ({plural(line.n_articles, 'article')})"
    if name == "ceiling" and n_double == 0:
        return "ceiling: no double-labelled articles"
    return f"{name} not computed"


def reference_parts(result: EvalResult | ComparisonResult) -> tuple[str, str, str]:
    """(floor, run, ceiling) on claim F1: the line that puts a score in context; each report adds its markup."""
    if isinstance(result, ComparisonResult):
        n_double, run = result.n_double, f"base {result.base.claims.f1:.3f} → head {result.head.claims.f1:.3f}"
    else:
        n_double, run = result.gold.n_double, f"this run {result.claims.f1:.3f}"
    return _reference(result.floor, "floor", n_double), run, _reference(result.ceiling, "ceiling", n_double)


class ReportError(UserError):
    """A report file could not be written."""


def write_reports(
    result: EvalResult | ComparisonResult,
    *,
    json_path: str | Path | None = None,
    markdown_path: str | Path | None = None,
    junit_path: str | Path | None = None,
    html_path: str | Path | None = None,
) -> list[Path]:
    """Write each requested file report atomically; returns the paths written.

    A path that cannot be written (a directory, no permission) is a user error naming it.
    """
    from importlib import import_module

    written: list[Path] = []
    for path, module, func in (
        (json_path, ".json", "write_json"),
        (markdown_path, ".markdown", "write_markdown"),
        (junit_path, ".junit", "write_junit"),
        (html_path, ".html", "write_html"),
    ):
        if path is None:
            continue
        write = getattr(import_module(module, __name__), func)
        try:
            write(result, path)
        except OSError as e:
            raise ReportError(f"{path}: cannot write the report ({e.strerror or e})") from None
        written.append(Path(path))
    return written

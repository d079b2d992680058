"""The CI gate: is the head run worse than the base run beyond a stated margin?

Non-inferiority: with ``max_drop`` = 0.02 and ``confidence`` = 0.95 the gate fails when
the one-sided 95% lower confidence bound of (head F1 - base F1), from the paired
document-level bootstrap, is below -0.02, i.e. when we cannot be 95% sure that head
loses less than two F1 points. Identical runs pass (every resampled delta is 0).
Absolute floors (``min_f1``, ``min_attributed_f1``) fail when the point estimate is below
them. Each check carries a one-line reason that the CLI prints.
"""

from __future__ import annotations

from claims.evals.results import ComparisonResult, EvalResult, GateCheck, GateResult


def _margin(comparison: ComparisonResult, metric: str, label: str, name: str, max_drop: float, confidence: float) -> GateCheck:
    """Non-inferiority on one metric: the paired bootstrap's one-sided lower bound vs -max_drop."""
    test = next(t for t in comparison.tests if t.method == "paired_bootstrap" and t.metric == metric)
    lb = test.lower_bound if test.lower_bound is not None else test.observed_delta
    ok = lb >= -max_drop
    return GateCheck(
        name=name, passed=ok, value=lb, threshold=-max_drop,  # type: ignore[arg-type]
        message=(
            f"{label} {'within' if ok else 'dropped beyond'} the margin: head - base = {test.observed_delta:+.4f}, "
            f"{confidence:.0%} lower bound {lb:+.4f} {'>=' if ok else '<'} -{max_drop:.4f}"
        ),
    )


def _floor(value: float, minimum: float, label: str, name: str) -> GateCheck:
    ok = value >= minimum
    return GateCheck(name=name, passed=ok, value=value, threshold=minimum,  # type: ignore[arg-type]
                     message=f"{label} {value:.4f} {'>=' if ok else '<'} minimum {minimum:.4f}")


def run_gate(
    result: EvalResult,
    comparison: ComparisonResult | None = None,
    *,
    max_drop: float = 0.02,
    confidence: float = 0.95,
    min_f1: float | None = None,
    min_attributed_f1: float | None = None,
    max_attributed_drop: float | None = None,
) -> GateResult:
    checks: list[GateCheck] = []
    if comparison is not None:
        checks.append(_margin(comparison, "f1", "F1", "non_inferiority", max_drop, confidence))
        if max_attributed_drop is not None:
            # a prompt that keeps the claims but loses their claimants
            checks.append(_margin(comparison, "attributed_f1", "attributed F1", "non_inferiority_attributed",
                                  max_attributed_drop, confidence))
    if min_f1 is not None:
        checks.append(_floor(result.claims.f1, min_f1, "F1", "min_f1"))
    if min_attributed_f1 is not None:
        checks.append(_floor(result.attributed.f1, min_attributed_f1, "attributed F1", "min_attributed_f1"))
    return GateResult(
        passed=all(c.passed for c in checks),
        max_drop=max_drop if comparison is not None else None,
        confidence=confidence if comparison is not None else None,
        min_f1=min_f1,
        min_attributed_f1=min_attributed_f1,
        checks=checks,
    )

"""The CI gate: is the head run worse than the base run beyond a stated margin?

Non-inferiority: with ``max_drop`` = 0.02 and ``confidence`` = 0.95 the gate fails when
the one-sided 95% lower confidence bound of (head F1 - base F1), from the paired
document-level bootstrap, is below -0.02, i.e. when we cannot be 95% sure that head
loses less than two F1 points. Identical runs pass (every resampled delta is 0).
Absolute floors (``min_f1``, ``min_attributed_f1``) fail when the point estimate is below
them. Each check carries a one-line reason that the CLI prints.
"""

from __future__ import annotations

from .results import ComparisonResult, EvalResult, GateCheck, GateResult


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
        test = next(t for t in comparison.tests if t.method == "paired_bootstrap" and t.metric == "f1")
        lb = test.lower_bound if test.lower_bound is not None else test.observed_delta
        ok = lb >= -max_drop
        checks.append(GateCheck(
            name="non_inferiority", passed=ok, value=lb, threshold=-max_drop,
            message=(
                f"F1 {'within' if ok else 'dropped beyond'} the margin: head - base = {test.observed_delta:+.4f}, "
                f"{confidence:.0%} lower bound {lb:+.4f} {'>=' if ok else '<'} -{max_drop:.4f}"
            ),
        ))
    if comparison is not None and max_attributed_drop is not None:
        # Optional second margin: a prompt that keeps the claims but loses their claimants.
        test = next(t for t in comparison.tests if t.method == "paired_bootstrap" and t.metric == "attributed_f1")
        lb = test.lower_bound if test.lower_bound is not None else test.observed_delta
        ok = lb >= -max_attributed_drop
        checks.append(GateCheck(
            name="non_inferiority_attributed", passed=ok, value=lb, threshold=-max_attributed_drop,
            message=(
                f"attributed F1 {'within' if ok else 'dropped beyond'} the margin: head - base = {test.observed_delta:+.4f}, "
                f"{confidence:.0%} lower bound {lb:+.4f} {'>=' if ok else '<'} -{max_attributed_drop:.4f}"
            ),
        ))
    if min_f1 is not None:
        v = result.claims.f1
        checks.append(GateCheck(name="min_f1", passed=v >= min_f1, value=v, threshold=min_f1,
                                message=f"F1 {v:.4f} {'>=' if v >= min_f1 else '<'} minimum {min_f1:.4f}"))
    if min_attributed_f1 is not None:
        v = result.attributed.f1
        checks.append(GateCheck(name="min_attributed_f1", passed=v >= min_attributed_f1, value=v, threshold=min_attributed_f1,
                                message=f"attributed F1 {v:.4f} {'>=' if v >= min_attributed_f1 else '<'} minimum {min_attributed_f1:.4f}"))
    return GateResult(
        passed=all(c.passed for c in checks),
        max_drop=max_drop if comparison is not None else None,
        confidence=confidence if comparison is not None else None,
        min_f1=min_f1,
        min_attributed_f1=min_attributed_f1,
        checks=checks,
    )

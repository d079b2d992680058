"""Evaluation: gold, matching, metrics, statistics, comparison and gate, suites, reports.

The names below are what a notebook user needs to score runs against gold; they are
imported on first use."""

from claims.kernel.lazy import lazy_exports

_EXPORTS = {
    "GoldSet": ".gold", "load_gold": ".gold",
    "EvalOptions": ".evaluate", "evaluate": ".evaluate",
    "compare": ".compare",
    "run_gate": ".gate",
    "MatchConfig": ".matching", "match_config": ".matching",
    "load_suite": ".suite", "run_suite": ".suite",
    "write_reports": ".reports",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())

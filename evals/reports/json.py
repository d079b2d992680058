"""JSON report: the result model as-is (article texts left out unless asked for)."""

from __future__ import annotations

from pathlib import Path

from claims.evals.results import ComparisonResult, EvalResult
from claims.kernel.io import atomic_write_text


def to_json(result: EvalResult | ComparisonResult, *, include_text: bool = False) -> str:
    exclude = None
    if isinstance(result, EvalResult) and not include_text:
        exclude = {"articles": {"__all__": {"text"}}}
    return result.model_dump_json(indent=2, exclude=exclude) + "\n"


def write_json(result: EvalResult | ComparisonResult, path: str | Path) -> None:
    atomic_write_text(path, to_json(result))

"""Extraction: articles in, grounded claims out (chunking, prompts, structured output,
transport, grounding, cache, backends, the per-article pipeline, the job runner, batch).

The names below are the package's public entry, and the only way ``claims.evals``
reaches extraction (a suite or the eval floor runs a job). They are imported on first
use, so importing the package costs nothing at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "build_backend": "claims.extract.backends",
    "Backend": "claims.extract.backends.base",
    "ExtractionError": "claims.extract.backends.base",
    "Job": "claims.extract.jobs",
    "JobSummary": "claims.extract.jobs",
    "load_template": "claims.extract.prompts",
    "default_prompts_dir": "claims.extract.prompts",
    "PromptError": "claims.extract.prompts",
    "cost": "claims.extract.pricing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value

"""Extraction: articles in, grounded claims out (chunking, prompts, structured output,
transport, grounding, cache, backends, the per-article pipeline, the job runner, batch).

The names below are the package's public entry, and the only way ``claims.evals``
reaches extraction (a suite or the eval floor runs a job). They are imported on first
use, so importing the package costs nothing at start-up.
"""

from __future__ import annotations

from claims.kernel.lazy import lazy_exports

_EXPORTS = {
    "build_backend": ".backends",
    "Backend": ".backends.base",
    "ExtractionError": ".backends.base",
    "Job": ".jobs",
    "JobSummary": ".jobs",
    "extract_articles": ".jobs",
    "load_template": ".prompts",
    "default_prompts_dir": ".prompts",
    "PromptError": ".prompts",
    "cost": ".pricing",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())

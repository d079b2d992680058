"""Extraction: articles in, grounded claims out (chunking, prompts, structured output,
transport, grounding, cache, backends, the per-article pipeline, the job runner, batch),
and the similarity layer (``extract/similarity``) that compares statements.

The names below are the package's public entry, and the only way ``claims.evals``
reaches extraction (a suite or the eval floor runs a job; the matcher and the linker
compare statements). They are imported on first use, so importing the package costs
nothing at start-up.
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
    "RayJob": ".engines.ray",
    "extract_dataset": ".engines.ray",
    "load_template": ".prompts",
    "default_prompts_dir": ".prompts",
    "PromptError": ".prompts",
    "cost": ".pricing",
    # the similarity layer
    "Similarity": ".similarity.base",
    "VectorSimilarity": ".similarity.base",
    "PairwiseSimilarity": ".similarity.base",
    "score_pairs": ".similarity.base",
    "has_vectors": ".similarity.base",
    "DEFAULT_METHOD": ".similarity.registry",
    "get_similarity": ".similarity.registry",
    "statement_similarity": ".similarity.registry",
    "similarity_methods": ".similarity.registry",
    "register_similarity": ".similarity.registry",
    "FactChecked": ".similarity.checked",
    "Checked": ".similarity.checked",
    "Verdict": ".similarity.checked",
    "Conflict": ".similarity.facts",
    "Facts": ".similarity.facts",
    "facts_of": ".similarity.facts",
    "find_conflict": ".similarity.facts",
    "CHECKS": ".similarity.facts",
    "strip_frame": ".similarity.frames",
    "HEDGE_RE": ".backends.rules",  # the rules backend's hedge markers (may, reportedly, early signs, ...)
    "TokenF1Similarity": ".similarity.lexical",
    "stem": ".similarity.lexical",
    "STOPWORDS": ".similarity.lexical",
    "TOKEN_RE": ".similarity.lexical",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())

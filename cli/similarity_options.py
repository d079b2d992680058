"""The statement-similarity options that `claims eval`, `claims compare` and
`claims calibrate-similarity` share, declared once.

``@similarity_options`` adds them to a command's signature (typer reads
``__signature__``) and hands the command one ``SimilarityOptions`` instead.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Optional

import typer

SIMILARITY_HELP = "Statement similarity: lexical (token F1, default), embedding (wordllama offline, or a server), judge (an LLM)."


@dataclass
class SimilarityOptions:
    similarity: Optional[str]
    similarity_model: Optional[str]
    similarity_base_url: Optional[str]
    similarity_cache_dir: Path
    similarity_jobs: int
    fact_checks: bool
    price_table: Optional[Path]

    def build(self, method: str | None = None) -> Any:
        """The fact-checked similarity these options name (``method`` overrides ``--similarity``)."""
        from claims.evals.matching import build_similarity
        from claims.extract import similarity_methods

        method = method or self.similarity
        if method is not None and method not in similarity_methods():
            raise typer.BadParameter(f"choose one of {', '.join(similarity_methods())}, not {method!r}", param_hint="--similarity")
        if self.similarity_jobs < 1:
            raise typer.BadParameter("must be >= 1", param_hint="--similarity-jobs")
        return build_similarity(method, fact_checks=self.fact_checks,
                                model=self.similarity_model if method not in (None, "lexical") else None,
                                base_url=self.similarity_base_url, cache_dir=str(self.similarity_cache_dir),
                                jobs=self.similarity_jobs, price_table=self._prices())

    def _prices(self) -> dict[str, Any] | None:
        if self.price_table is None:
            return None
        import json

        try:
            return json.loads(self.price_table.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise typer.BadParameter(f"{self.price_table}: cannot read the price table ({e})", param_hint="--price-table")


_OPTIONS = {
    "similarity": (Optional[str], typer.Option(None, "--similarity", help=SIMILARITY_HELP)),
    "similarity_model": (Optional[str], typer.Option(
        None, "--similarity-model",
        help="Model for --similarity embedding (a server's embedding model; default wordllama, offline) or judge.")),
    "similarity_base_url": (Optional[str], typer.Option(
        None, "--similarity-base-url",
        help="OpenAI-compatible server for the embedding or judge model (default $OPENAI_BASE_URL); key from $OPENAI_API_KEY.")),
    "similarity_cache_dir": (Path, typer.Option(Path(".claims-cache"), "--similarity-cache-dir",
                                                help="Response cache for embedding and judge requests.")),
    "similarity_jobs": (int, typer.Option(4, "--similarity-jobs", help="Concurrent requests to the embedding or judge server.")),
    "fact_checks": (bool, typer.Option(True, "--fact-checks/--no-fact-checks",
                                       help="Veto pairs whose numbers, dates, polarity, antonyms or actors disagree (on by default).")),
    "price_table": (Optional[Path], typer.Option(
        None, "--price-table", help="JSON price table {model: {prompt, completion}} (USD per 1M tokens): the judge's cost.")),
}
assert set(_OPTIONS) == {f.name for f in fields(SimilarityOptions)}


def similarity_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the similarity options to ``command``, which takes them as ``sim: SimilarityOptions``."""
    sig = inspect.signature(command)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=kind)
             for name, (kind, opt) in _OPTIONS.items()]

    @functools.wraps(command)
    def run(**kwargs: Any) -> Any:
        sim = SimilarityOptions(**{name: kwargs.pop(name) for name in _OPTIONS})
        return command(**kwargs, sim=sim)

    kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in sig.parameters.values() if p.name != "sim"]
    run.__signature__ = sig.replace(parameters=kept + extra)  # type: ignore[attr-defined]
    return run

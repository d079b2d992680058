"""The statement-similarity options that `claims eval`, `claims compare`,
`claims calibrate-similarity` and `claims link` share, declared once.

``@similarity_options`` (an option group, ``cli.option_groups``) adds them to a
command's signature and hands the command one ``SimilarityOptions`` as ``sim``.
``similarity_option_group(help)`` is the same group with a command's own words for
``--similarity`` (the linker offers other methods than the matcher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import typer

from claims.cli.option_groups import option_group

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
                                jobs=self.similarity_jobs, price_table=self.prices())

    def prices(self) -> dict[str, Any] | None:
        """The --price-table file read (None without one); a bad file is a usage error naming it."""
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


def similarity_option_group(similarity_help: str = SIMILARITY_HELP) -> Callable[[Any], Any]:
    """The option group, with ``similarity_help`` as the help of --similarity."""
    options = dict(_OPTIONS, similarity=(Optional[str], typer.Option(None, "--similarity", help=similarity_help)))
    return option_group("sim", SimilarityOptions, options)


similarity_options = similarity_option_group()

"""The batch backend: a batch's answers through the same per-article pipeline as a
live run (parsed and validated, grounded on the full text, deduplicated across
chunks); the results file stands in for the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims.extract.backends.base import Backend, ExtractionError
from claims.extract.batch.ids import encode_custom_id
from claims.extract.chunking import Chunk
from claims.extract.pipeline import Pipeline
from claims.extract.providers.batch_results import BatchResultsProvider
from claims.kernel.articles import Article
from claims.kernel.schema import ArticleClaims, ModelOutput, PromptRef, Provenance
from claims.kernel.version import __version__


@dataclass(frozen=True)
class _AnsweredStage:
    """The one stage of a batched template: its messages went out at prepare time."""

    name: str = "claims"
    output: str = "claims"
    output_model: type = ModelOutput

    def render(self, context: dict[str, Any]) -> list[dict[str, Any]]:
        return []


@dataclass(frozen=True)
class _AnsweredTemplate:
    stages: tuple[_AnsweredStage, ...] = field(default=(_AnsweredStage(),))


class BatchResultsBackend(Backend):
    name = "openai-batch"

    def __init__(self, meta: dict[str, Any], results: list[Path]):
        self.meta = meta
        self.provider = BatchResultsProvider(results)
        self.articles: dict[str, dict[str, Any]] = meta.get("articles") or {}
        known = {encode_custom_id(aid, i) for aid, entry in self.articles.items() for i in range(len(entry["chunks"]))}
        self.unmatched = sum(1 for cid in self.provider.index.where if cid not in known)
        params = meta.get("parameters") or {}
        chunking = params.get("chunking") or {}
        self.pipeline = Pipeline(
            _AnsweredTemplate(), self.provider, chunk_chars=chunking.get("max_chars") or 6000,
            chunk_overlap=chunking.get("overlap_chars") or 0, max_reasks=0, max_tokens=params.get("max_tokens"),
            keep_going=True,
        )
        self._provenance = Provenance(
            backend=self.name,
            model=meta.get("model"),
            prompt=PromptRef(**meta["prompt"]) if meta.get("prompt") else None,
            parameters={
                "endpoint": "batch",
                "mode": meta.get("mode"),
                "temperature": params.get("temperature"),
                "max_tokens": params.get("max_tokens"),
                "seed": params.get("seed"),
                "max_reasks": 0,
                "chunking": params.get("chunking"),
            },
            toolkit_version=__version__,
        )

    def provenance(self) -> Provenance:
        return self._provenance

    def stats(self) -> dict[str, Any]:
        index = self.provider.index
        return {
            "results": [str(p) for p in index.paths],
            "result_lines": index.lines,
            "invalid_lines": index.invalid,
            "duplicate_custom_ids": index.duplicates,
            "unmatched_custom_ids": self.unmatched,
            "requests_in_batch": self.meta.get("requests"),
        }

    async def aextract(self, article: Article) -> ArticleClaims:
        entry = self.articles.get(article.id)
        if entry is None:
            raise ExtractionError(f"article {article.id!r} is not in the batch (not in the meta file)", error="NotInBatch")
        if entry.get("sha256") != article.sha256:
            raise ExtractionError(
                f"article {article.id!r} changed since the batch was prepared (text hash differs); re-prepare or run it live",
                error="TextChanged",
            )
        chunks = [Chunk(start, end) for start, end in entry["chunks"]]
        out = await self.pipeline.extract(article, chunks)
        return self.result(article, out.claims, out.usage, claims_json=out.claims_json)

    async def aclose(self) -> None:
        self.provider.close()

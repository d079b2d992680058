"""The LLM backend: any OpenAI-compatible chat-completions server.

The shared pipeline (``claims.extract.pipeline``) does the per-article work; the
live provider (``claims.extract.providers.chat``) answers its requests. This class
wires the two from the settings and reports provenance and run-wide stats.
"""

from __future__ import annotations

from typing import Any

from claims.extract.backends.base import Backend
from claims.extract.cache import cache_key
from claims.extract.pipeline import Pipeline
from claims.extract.pricing import cost
from claims.extract.prompts import load_template, refuse_gold_overlap
from claims.extract.providers.chat import ChatProvider
from claims.extract.transport import base_host, endpoint
from claims.kernel.articles import Article
from claims.kernel.errors import UserError
from claims.kernel.schema import ArticleClaims, Provenance
from claims.kernel.settings import ExtractionSettings
from claims.kernel.version import __version__

__all__ = ["OpenAIBackend"]


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(
        self,
        settings: ExtractionSettings,
        *,
        api_key: str | None = None,
        gold_texts: dict[str, str] | None = None,
        price_table: dict[str, Any] | None = None,
    ):
        if not settings.model:
            raise UserError("the openai backend needs a model name (--model)")
        self.settings = settings
        self.model = settings.model
        # the key is private: never in provenance, stats, cache or messages
        self.base_url, api_key = endpoint(settings.base_url, api_key, keyless=settings.cache == "replay")
        # load_template guarantees known stage outputs and a last stage producing claims
        self.template = load_template(settings.prompt, settings.prompts_dir)
        if gold_texts and not settings.allow_gold_overlap:
            refuse_gold_overlap(self.template, gold_texts, settings.prompt, "allow_gold_overlap")
        self.price_table = price_table
        self._host = base_host(self.base_url)
        self._provenance = Provenance(
            backend=self.name, model=self.model, prompt=self.template.ref,
            parameters=settings.provenance_parameters(self._host), toolkit_version=__version__,
        )
        self.provider = ChatProvider(settings, base_url=self.base_url, api_key=api_key, host=self._host, template_sha256=self.template.sha256)
        self.pipeline = Pipeline(
            self.template, self.provider, chunk_chars=settings.chunk_chars, chunk_overlap=settings.chunk_overlap,
            max_reasks=settings.max_reasks, max_tokens=settings.max_tokens, max_article_chars=settings.max_article_chars,
            redact=self.provider.clean,
            # grounded claims are kept with the answers (cache mode on), under everything that decides them
            ground_salt=cache_key({"result": self._provenance.model_dump(mode="json")}) if settings.cache == "on" else None,
        )

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, host={self._host!r}, prompt={self.template.id!r})"

    @property
    def cache(self) -> Any:
        return self.provider.cache

    def provenance(self) -> Provenance:
        """Constant for the backend's life (the effective mode lives in run_stats)."""
        return self._provenance

    def run_stats(self) -> dict[str, Any]:
        """Run-wide extras for the manifest: mode fallbacks, cache and budget state, totals."""
        p, c, s = self.provider, self.provider.counters, self.settings
        usage = {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens}
        out: dict[str, Any] = {
            "requested_mode": s.mode,
            "effective_mode": p.mode,
            "mode_fallbacks": list(p.fallbacks),
            "requests": c.requests,
            "retries": c.retries,
            "reasks": self.pipeline.counters.reasks,
            "splits": self.pipeline.counters.splits,
            "articles": self.pipeline.counters.articles,
            "failures": self.pipeline.counters.failures,
            **usage,
            "cache": {
                "mode": p.cache.mode, "dir": str(p.cache.dir), "hits": p.cache.hits, "misses": p.cache.misses, "writes": p.cache.writes,
            },
            "rate_limit_wait_seconds": round(p.limiter.waited_seconds, 3),
            "budget": {"max_requests": s.max_requests, "max_tokens_total": s.max_tokens_total, "exhausted": p.budget_hit},
        }
        if self.price_table is not None:
            out["cost_usd"] = cost(usage, self.model, self.price_table)
        return out

    async def aextract(self, article: Article) -> ArticleClaims:
        out = await self.pipeline.extract(article)
        return self.result(article, out.claims, out.usage, claims_json=out.claims_json)

    async def aclose(self) -> None:
        await self.provider.aclose()

"""The LLM backend: any OpenAI-compatible chat-completions server.

Per article: chunk the text, run the template's stages on each chunk (each stage a
structured-output request, re-asked with the validation error when the answer does
not fit the schema), ground every claim against the full article, dedupe across
chunks. A truncated answer splits its chunk in two instead of losing claims.

Every request goes through one path: cache lookup, budget check, rate limit, then
the transport's retry layer. Per-article counts land in ``ArticleClaims.usage`` (or
in the ExtractionError on failure); run-wide counts in ``run_stats()``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claims.kernel.articles import Article
from claims.extract.cache import CACHE_MODES, CachedResponse, ResponseCache, cache_key
from claims.kernel.errors import UserError
from claims.extract.pricing import cost
from claims.extract.prompts import OUTPUT_MODELS
from claims.kernel.redact import redact
from claims.kernel.schema import ArticleClaims, Claim, Provenance, Usage, schema_sha256
from claims.extract.structured import (
    MODES,
    OutputInvalid,
    is_context_overflow,
    is_mode_rejection,
    parse_output,
    read_completion,
    reask_messages,
    request_format,
)
from claims.extract.transport import ClientPool, RetriesExhausted, RetryPolicy, base_host, call_with_retry, endpoint, error_kind
from claims.extract.backends.base import Backend, BudgetExhausted, ExtractionError

log = logging.getLogger("claims.extract.backends.openai")

__all__ = ["OpenAIBackend", "build_request_body", "chunk_context"]


def chunk_context(article: Article, chunk: Any) -> dict[str, Any]:
    """What a stage's templates see for one chunk. Shared with `claims batch prepare`,
    so a batch request carries exactly the messages a live run would send."""
    # schema_description and article_tag: each stage fills in its own
    return {"article_text": article.text[chunk.start : chunk.end], "title": article.title, "article_id": article.id}


def build_request_body(
    *,
    model: str,
    messages: list[dict[str, Any]],
    mode: str,
    output_model: type[Any],
    temperature: float,
    max_tokens: int | None,
    seed: int | None,
) -> dict[str, Any]:
    """The chat-completions request body. One implementation for the live backend and
    the Batch API file, so both send the same request for the same chunk and mode."""
    body: dict[str, Any] = {"model": model, "messages": messages, "temperature": temperature, **request_format(mode, output_model)}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if seed is not None:
        body["seed"] = seed
    return body


class _NeedsSplit(Exception):
    """The chunk is too big for one answer (finish_reason=length or context overflow)."""


@dataclass
class _Counters:
    """Run-wide totals; mutated only from the event loop thread, read by run_stats()."""

    requests: int = 0
    retries: int = 0
    reasks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    splits: int = 0
    articles: int = 0
    failures: int = 0


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        prompt: str = "claims-direct",
        prompts_dir: Path | None = None,
        mode: str = "auto",
        temperature: float = 0.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        timeout: float = 60.0,
        max_attempts: int = 6,
        max_retry_seconds: float = 300.0,
        max_reasks: int = 2,
        chunk_chars: int = 6000,
        chunk_overlap: int = 500,
        cache: str = "on",
        cache_dir: Path | str = Path(".claims-cache"),
        rpm: float | None = None,
        tpm: float | None = None,
        max_requests: int | None = None,
        max_tokens_total: int | None = None,
        concurrency: int = 8,
        gold_texts: dict[str, str] | None = None,
        allow_gold_overlap: bool = False,
        price_table: dict[str, Any] | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_article_chars: int | None = 1_000_000,
    ):
        from claims.extract.prompts import load_template, refuse_gold_overlap
        from claims.extract.ratelimit import RateLimiter

        if not model:
            raise UserError("the openai backend needs a model name (--model)")
        if mode != "auto" and mode not in MODES:
            raise UserError(f"unknown output mode {mode!r}; choose auto or one of {', '.join(MODES)}")
        if cache not in CACHE_MODES:
            raise UserError(f"unknown cache mode {cache!r}; choose one of {', '.join(CACHE_MODES)}")
        if max_attempts < 1 or max_reasks < 0 or chunk_chars <= 0 or chunk_overlap < 0 or concurrency < 1:
            raise UserError("max_attempts, concurrency and chunk_chars must be >= 1; max_reasks and chunk_overlap >= 0")
        self.model = model
        # the key is private: never in provenance, stats, cache or messages
        self.base_url, self._api_key = endpoint(base_url, api_key, keyless=cache == "replay")
        # load_template guarantees known stage outputs and a last stage producing claims
        self.template = load_template(prompt, prompts_dir)
        if gold_texts and not allow_gold_overlap:
            refuse_gold_overlap(self.template, gold_texts, prompt, "allow_gold_overlap")
        self.requested_mode = mode
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.timeout = timeout
        self.max_reasks = max_reasks
        self.chunk_chars = chunk_chars
        self.chunk_overlap = chunk_overlap
        self.concurrency = concurrency
        self.max_requests = max_requests
        self.max_tokens_total = max_tokens_total
        self.price_table = price_table
        self.max_article_chars = max_article_chars
        self.policy = RetryPolicy(max_attempts, max_retry_seconds, backoff_base, backoff_max)
        self.cache = ResponseCache(cache_dir, cache)
        self.limiter = RateLimiter(rpm, tpm)
        self._host = base_host(self.base_url)
        self._schema_sha = {name: schema_sha256(m) for name, m in OUTPUT_MODELS.items()}
        self._mode_lock = threading.Lock()
        self._mode = "json_schema" if mode == "auto" else mode
        self._fallbacks: list[dict[str, str]] = []
        self._stats = _Counters()
        self._budget_hit = False
        self._clients: dict[asyncio.AbstractEventLoop, Any] = {}
        self._probe_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._mode_confirmed = False
        self._provenance: Provenance | None = None

    # ------------------------------------------------------------------ reporting

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, host={self._host!r}, prompt={self.template.id!r})"

    def parameters(self) -> dict[str, Any]:
        return {
            "endpoint": self._host,
            "mode": self.requested_mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "max_reasks": self.max_reasks,
            "chunking": {"max_chars": self.chunk_chars, "overlap_chars": self.chunk_overlap},
        }

    def provenance(self) -> Provenance:
        """Constant for the backend's life (the effective mode lives in run_stats), so built once."""
        if self._provenance is None:
            self._provenance = self._build_provenance()
        return self._provenance

    def _build_provenance(self) -> Provenance:
        from claims.kernel.version import __version__

        return Provenance(
            backend=self.name,
            model=self.model,
            prompt=self.template.ref,
            parameters=self.parameters(),
            toolkit_version=__version__,
        )

    def run_stats(self) -> dict[str, Any]:
        """Run-wide extras for the manifest: mode fallbacks, cache and budget state, totals."""
        s = self._stats
        usage = {"prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens}
        out: dict[str, Any] = {
            "requested_mode": self.requested_mode,
            "effective_mode": self._mode,
            "mode_fallbacks": list(self._fallbacks),
            "requests": s.requests,
            "retries": s.retries,
            "reasks": s.reasks,
            "splits": s.splits,
            "articles": s.articles,
            "failures": s.failures,
            **usage,
            "cache": {"mode": self.cache.mode, "dir": str(self.cache.dir), "hits": self.cache.hits, "misses": self.cache.misses, "writes": self.cache.writes},
            "rate_limit_wait_seconds": round(self.limiter.waited_seconds, 3),
            "budget": {"max_requests": self.max_requests, "max_tokens_total": self.max_tokens_total, "exhausted": self._budget_hit},
        }
        if self.price_table is not None:
            out["cost_usd"] = cost(usage, self.model, self.price_table)
        return out

    # ------------------------------------------------------------------ client and mode

    def _get_client(self) -> Any:
        """One client pool per event loop: an httpx pool cannot be shared across loops."""
        loop = asyncio.get_running_loop()
        with self._mode_lock:
            pool = self._clients.get(loop)
            if pool is None:
                for old in [lp for lp in self._clients if lp.is_closed()]:
                    del self._clients[old]  # loops of finished asyncio.run() calls
                pool = self._clients[loop] = ClientPool(
                    base_url=self.base_url, api_key=self._api_key, timeout=self.timeout, concurrency=self.concurrency
                )
        return pool

    def _probe_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._mode_lock:
            return self._probe_locks.setdefault(loop, asyncio.Lock())

    async def aclose(self) -> None:
        """Close this loop's client pool (the job runner calls it once at the end)."""
        with self._mode_lock:
            pool = self._clients.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    def _fall_back(self, failed_mode: str, reason: str) -> str | None:
        """Move the shared mode past ``failed_mode``; None when there is nothing left to try."""
        with self._mode_lock:
            if MODES.index(self._mode) > MODES.index(failed_mode):
                return self._mode  # another request already moved on
            idx = MODES.index(failed_mode) + 1
            if idx >= len(MODES):
                return None
            self._mode = MODES[idx]
            self._fallbacks.append({"from": failed_mode, "to": self._mode, "reason": redact(reason, (self._api_key,))[:300]})
            log.warning("server refused output mode %s; using %s from now on", failed_mode, self._mode)
            return self._mode

    def _adopt(self, mode: str) -> None:
        with self._mode_lock:
            if MODES.index(mode) > MODES.index(self._mode):
                self._fallbacks.append({"from": self._mode, "to": mode, "reason": "cached answers were made in this mode"})
                self._mode = mode

    # ------------------------------------------------------------------ one request

    def _key(self, mode: str, stage: str, output: str, messages: list[dict[str, Any]]) -> str:
        return cache_key({
            "host": self._host,
            "model": self.model,
            "template": self.template.sha256,
            "schema": self._schema_sha[output],
            "mode": mode,
            "parameters": {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed},
            "stage": stage,
            "messages": messages,
        })

    def _cached(self, stage: str, output: str, messages: list[dict[str, Any]]) -> tuple[str, str, CachedResponse | None]:
        """Look up the current mode's key; in auto mode also later modes (a run that fell back earlier)."""
        mode = self._mode
        if self.cache.mode == "off":
            return mode, "", None  # no key to hash: nothing is read or written
        key = self._key(mode, stage, output, messages)
        hit = self.cache.get(key)
        if hit is None and self.requested_mode == "auto" and self.cache.reads:
            for later in MODES[MODES.index(mode) + 1 :]:
                later_key = self._key(later, stage, output, messages)
                hit = self.cache.get(later_key, count_miss=False)
                if hit is not None:
                    self._adopt(later)
                    return later, later_key, hit
        return mode, key, hit

    def _reserve_request(self) -> None:
        if self.max_requests is not None and self._stats.requests >= self.max_requests:
            self._budget_hit = True
            raise BudgetExhausted(f"request budget of {self.max_requests} spent")
        if self.max_tokens_total is not None and self._stats.prompt_tokens + self._stats.completion_tokens >= self.max_tokens_total:
            self._budget_hit = True
            raise BudgetExhausted(f"token budget of {self.max_tokens_total} spent")
        self._stats.requests += 1  # no await between check and count: safe under concurrency

    async def _complete(self, stage: str, output: str, messages: list[dict[str, Any]], usage: Usage) -> CachedResponse:
        model_cls = OUTPUT_MODELS[output]
        while True:
            mode, key, hit = self._cached(stage, output, messages)
            if hit is not None:
                usage.cache_hits += 1
                return hit
            if self.cache.mode == "replay":
                raise ExtractionError(f"stage {stage}: answer not in the recording ({self.cache.dir}); replay never calls the server", error="CacheMiss")
            body = build_request_body(
                model=self.model, messages=messages, mode=mode, output_model=model_cls,
                temperature=self.temperature, max_tokens=self.max_tokens, seed=self.seed,
            )
            estimate = sum(len(str(m.get("content") or "")) for m in messages) / 4 + (self.max_tokens or 0)
            pool = self._get_client()
            import httpx2

            attempts = 0

            async def send() -> Any:
                nonlocal attempts
                self._reserve_request()  # counts the request; each attempt is one the budget pays for
                attempts += 1
                usage.requests += 1
                await self.limiter.acquire(estimate)
                if attempts > 1:  # a retry re-sends exactly these kwargs
                    usage.retries += 1
                    self._stats.retries += 1
                # The SDK's generic post (its documented route for custom requests): the
                # same wire request as chat.completions.create, with the SDK's auth, errors
                # and timeouts, but without its per-call type transformation of messages
                # and schema (~5 ms of CPU) or response model construction (~1 ms).
                slot = pool.pick()
                try:
                    return await pool.clients[slot].post("/chat/completions", cast_to=httpx2.Response, body=body)
                finally:
                    pool.release(slot)

            # auto mode: until one answer confirms the mode, one request probes at a time,
            # so a server that refuses json_schema sees one refused request, not --jobs of them.
            probe = self._probe_lock() if self.requested_mode == "auto" and not self._mode_confirmed else None
            if probe is not None:
                await probe.acquire()
                if self._mode != mode:  # another probe moved the mode on while we waited
                    probe.release()
                    continue
            try:
                resp = await call_with_retry(send, self.policy)
                self._mode_confirmed = True
            except RetriesExhausted as e:
                raise ExtractionError(f"stage {stage}: {self._clean(str(e))}", error=error_kind(e.last)) from None
            except BudgetExhausted:
                raise
            except Exception as e:
                import openai

                if not isinstance(e, openai.APIError):
                    raise
                if self.requested_mode == "auto" and is_mode_rejection(e):
                    if self._fall_back(mode, str(e)) is not None:
                        continue
                if is_context_overflow(e):
                    raise _NeedsSplit(str(e)) from None
                raise ExtractionError(f"stage {stage}: {error_kind(e)}: {self._clean(str(e))[:300]}", error=error_kind(e)) from None
            finally:
                if probe is not None:
                    probe.release()
            return self._record(resp, key, stage, mode, usage, estimate)

    def _record(self, raw: Any, key: str, stage: str, mode: str, usage: Usage, estimate: float) -> CachedResponse:
        try:
            out = read_completion(raw.json())
        except ValueError:
            raise ExtractionError(f"stage {stage}: the server's answer is not a chat completion (HTTP {getattr(raw, 'status_code', '?')})", error="BadResponse") from None
        pt, ct = out.prompt_tokens, out.completion_tokens
        usage.prompt_tokens += pt
        usage.completion_tokens += ct
        self._stats.prompt_tokens += pt
        self._stats.completion_tokens += ct
        self.limiter.settle(estimate, pt + ct)
        self.cache.put(key, out, meta={"model": self.model, "stage": stage, "mode": mode})
        return out

    def _clean(self, text: str) -> str:
        return redact(text, (self._api_key,))

    # ------------------------------------------------------------------ one stage, one chunk

    async def _ask(self, stage: Any, messages: list[dict[str, Any]], usage: Usage) -> Any:
        """One stage's answer, re-asked with the validation error at most max_reasks times."""
        model_cls = OUTPUT_MODELS[stage.output]
        msgs = list(messages)
        for i in range(self.max_reasks + 1):
            resp = await self._complete(stage.name, stage.output, msgs, usage)
            if resp.finish_reason == "length":
                raise _NeedsSplit("finish_reason=length")
            if resp.refusal:
                raise ExtractionError(f"stage {stage.name}: the model refused: {resp.refusal[:200]}", error="Refusal")
            try:
                return parse_output(resp.content, model_cls)
            except OutputInvalid as e:
                if self.max_tokens and resp.completion_tokens >= self.max_tokens:
                    # cut at the token limit without saying so (llama-cpp-python reports
                    # finish_reason 'tool_calls' for a cut tool call): a split, not a re-ask
                    raise _NeedsSplit("the answer used up max_tokens and is incomplete") from None
                if i == self.max_reasks:
                    raise ExtractionError(
                        f"stage {stage.name}: no valid answer after {i + 1} attempt(s) ({i} re-ask(s)): {e}", error="ValidationError"
                    ) from None
                usage.reasks += 1
                self._stats.reasks += 1
                msgs = msgs + reask_messages(resp.content, str(e))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _extract_chunk(self, article: Article, chunk: Any, usage: Usage, grounder: Any = None) -> list[Claim]:
        from claims.extract.chunking import split_chunk
        from claims.extract.grounding import Grounder

        # One Grounder per article: its normalised text, sentence bounds and cue
        # occurrences are shared by every claim of every chunk.
        grounder = grounder or Grounder(article.text)
        try:
            context = chunk_context(article, chunk)
            parsed: Any = None
            for stage in self.template.stages:
                parsed = await self._ask(stage, stage.render(context), usage)
                context[stage.name] = parsed  # the model instance, as the few-shot examples pass it
            return [grounder.ground(mc, hint=chunk.start) for mc in parsed.claims]
        except _NeedsSplit as why:
            try:
                halves = split_chunk(article.text, chunk)
            except ValueError as e:
                raise ExtractionError(
                    f"answer truncated ({self._clean(str(why))[:120]}) and chunk [{chunk.start}, {chunk.end}) cannot be split: {e}; "
                    "raise max_tokens or use a model with a longer output",
                    error="Truncated",
                ) from None
            self._stats.splits += 1
            log.info("%s: chunk [%d, %d) too long for one answer; split in two", article.id, chunk.start, chunk.end)
            out: list[Claim] = []
            for half in halves:
                out.extend(await self._extract_chunk(article, half, usage, grounder))
            return out

    async def aextract(self, article: Article) -> ArticleClaims:
        from claims.extract.chunking import chunk_text, dedupe_claims
        from claims.extract.grounding import Grounder

        usage = Usage()
        if self.max_article_chars is not None and len(article.text) > self.max_article_chars:
            # A 10 MB "article" is a whole dump by mistake: thousands of requests for one record.
            self._stats.failures += 1
            raise ExtractionError(
                f"article is {len(article.text):,} characters, over the limit of {self.max_article_chars:,} "
                f"(about {len(article.text) // self.chunk_chars + 1:,} requests); split it or raise --max-article-chars",
                error="TooLong", usage=usage,
            )
        try:
            claims: list[Claim] = []
            chunks = chunk_text(article.text, self.chunk_chars, self.chunk_overlap)
            grounder = Grounder(article.text)
            for chunk in chunks:
                claims.extend(await self._extract_chunk(article, chunk, usage, grounder))
            if len(chunks) > 1:
                claims = dedupe_claims(claims)  # overlapping chunks repeat claims; one chunk cannot
            result = self.result(article, claims, usage)
        except ExtractionError as e:
            self._stats.failures += 1
            e.usage = usage
            raise
        except BudgetExhausted as e:
            e.usage = usage  # type: ignore[attr-defined]  # what this unfinished article already spent
            raise
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a bug or an odd server answer: still a recorded failure with its tokens
            self._stats.failures += 1
            raise ExtractionError(self._clean(f"{type(e).__name__}: {e}")[:500], error=type(e).__name__, usage=usage) from e
        self._stats.articles += 1
        return result

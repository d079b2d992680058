"""The live provider: one answer per request from an OpenAI-compatible chat-completions
server, through the content-addressed cache, the request/token budget, the rate
limiter and the transport's retry layer. In auto mode it finds the strongest output
mode the server accepts and keeps it for the rest of the run (``complete``).

Per-article counts land in the request's ``Usage``; run-wide counts in ``counters``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from claims.extract.backends.base import BudgetExhausted, ExtractionError
from claims.extract.cache import CachedResponse, ResponseCache, cache_key, messages_json
from claims.extract.pipeline import NeedsSplit, Request
from claims.extract.prompts import OUTPUT_MODELS
from claims.extract.ratelimit import RateLimiter
from claims.extract.structured import MODES, is_context_overflow, is_mode_rejection, read_completion, request_format
from claims.extract.transport import (
    BASE_TIMEOUT,
    ClientPool,
    EndpointGate,
    RetriesExhausted,
    RetryPolicy,
    call_with_retry,
    error_kind,
    is_unreachable,
    request_timeout,
    sdk_error,
)
from claims.kernel.redact import redact
from claims.kernel.schema import Usage, schema_sha256
from claims.kernel.settings import ExtractionSettings

log = logging.getLogger("claims.extract.providers.chat")


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
    """The chat-completions request body. One implementation for the live provider and
    the Batch API file, so both send the same request for the same chunk and mode."""
    body: dict[str, Any] = {"model": model, "messages": messages, "temperature": temperature, **request_format(mode, output_model)}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if seed is not None:
        body["seed"] = seed
    return body


_MESSAGES_SLOT = "\x00claims-messages\x00"  # stands for the encoded messages; NUL is in no real body
_FORMAT_SLOT = "\x00claims-format\x00"  # and for the structured-output fields


def request_body_bytes(body: dict[str, Any], encoded_messages: bytes, mode: str, output_model: type[BaseModel]) -> bytes:
    """``body`` as the bytes sent, its messages joined in already encoded (``messages_json``,
    the bytes the cache key hashed) and its structured-output fields (``request_format``,
    the ~2 KB schema) encoded once per mode and model: only the few fields that change are
    encoded per request."""
    fmt = request_format(mode, output_model)
    slotted: dict[str, Any] = {}
    for k, v in body.items():  # in the body's order: a grammar-constrained server writes in the order sent
        if k not in fmt:
            slotted[k] = _MESSAGES_SLOT if k == "messages" else v
        elif _FORMAT_SLOT not in slotted:
            slotted[_FORMAT_SLOT] = 0
    text = json.dumps(slotted, ensure_ascii=False, separators=(",", ":"))
    if fmt:
        text = text.replace(f"{json.dumps(_FORMAT_SLOT)}:0", _format_members(mode, output_model), 1)
    head, _, tail = text.partition(json.dumps(_MESSAGES_SLOT))
    return b"".join((head.encode("utf-8"), encoded_messages, tail.encode("utf-8")))


@lru_cache(maxsize=None)
def _format_members(mode: str, output_model: type[BaseModel]) -> str:
    """``request_format``'s fields as JSON object members, without the braces."""
    return json.dumps(request_format(mode, output_model), ensure_ascii=False, separators=(",", ":"))[1:-1]


@dataclass
class ChatCounters:
    """Run-wide request totals; mutated only from the event loop thread."""

    requests: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatProvider:
    can_reask = True
    can_split = True
    limit_hint = ""

    def __init__(self, settings: ExtractionSettings, *, base_url: str | None, api_key: str, host: str, template_sha256: str):
        assert settings.model
        self.settings = settings
        self.model = settings.model
        self.base_url = base_url
        self._api_key = api_key  # private: never in provenance, stats, cache or messages
        self._host = host
        self._template_sha = template_sha256
        self.requested_mode = settings.mode
        self.policy = RetryPolicy(settings.max_attempts, settings.max_retry_seconds, settings.backoff_base, settings.backoff_max,
                                  outage_seconds=settings.max_outage_seconds)
        self.gate = EndpointGate(self.policy, redact(base_url or "https://api.openai.com/v1", (api_key,)))
        self.cache = ResponseCache(settings.cache_dir, settings.cache, packed=True)
        # Entries in a later mode can only come from an earlier run (this run writes in the
        # mode it is in): with none on disk, auto mode hashes one key a request, not five.
        self._earlier_entries = self.cache.reads and self.cache.has_entries()
        self.limiter = RateLimiter(settings.rpm, settings.tpm)
        self._schema_sha = {name: schema_sha256(m) for name, m in OUTPUT_MODELS.items()}
        self._lock = threading.Lock()
        self.mode = "json_schema" if settings.mode == "auto" else settings.mode
        self.fallbacks: list[dict[str, str]] = []
        self.counters = ChatCounters()
        self.budget_hit = False
        self._clients: dict[asyncio.AbstractEventLoop, ClientPool] = {}

    # ------------------------------------------------------------------ client and mode

    def _pool(self) -> ClientPool:
        """One client pool per event loop: an aiohttp session belongs to the loop it was made on."""
        loop = asyncio.get_running_loop()
        with self._lock:
            pool = self._clients.get(loop)
            if pool is None:
                for old in [lp for lp in self._clients if lp.is_closed()]:
                    del self._clients[old]  # loops of finished asyncio.run() calls
                pool = self._clients[loop] = ClientPool(
                    base_url=self.base_url, api_key=self._api_key, timeout=self.settings.timeout or BASE_TIMEOUT, concurrency=self.settings.jobs
                )
        return pool

    async def aclose(self) -> None:
        """Close this loop's client pool and the cache's files (the job runner calls it once at the end)."""
        with self._lock:
            pool = self._clients.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()
        self.cache.close()

    def _fall_back(self, failed_mode: str, reason: str) -> str | None:
        """Move the shared mode past ``failed_mode``; None when there is nothing left to try."""
        with self._lock:
            if MODES.index(self.mode) > MODES.index(failed_mode):
                return self.mode  # another request already moved on
            idx = MODES.index(failed_mode) + 1
            if idx >= len(MODES):
                return None
            self.mode = MODES[idx]
            self.fallbacks.append({"from": failed_mode, "to": self.mode, "reason": self.clean(reason)[:300]})
            log.warning("server refused output mode %s; using %s from now on", failed_mode, self.mode)
            return self.mode

    def _adopt(self, mode: str) -> None:
        with self._lock:
            if MODES.index(mode) > MODES.index(self.mode):
                self.fallbacks.append({"from": self.mode, "to": mode, "reason": "cached answers were made in this mode"})
                self.mode = mode

    def clean(self, text: str) -> str:
        return redact(text, (self._api_key,))

    # ------------------------------------------------------------------ cache

    def _key(self, mode: str, request: Request, messages_json: bytes) -> str:
        s = self.settings
        return cache_key({
            "host": self._host,
            "model": self.model,
            "template": self._template_sha,
            "schema": self._schema_sha[request.stage.output],
            "mode": mode,
            "parameters": {"temperature": s.temperature, "max_tokens": request.max_tokens, "seed": s.seed},
            "stage": request.stage.name,
        }, {"messages": messages_json})

    def _cached(self, request: Request, encoded: bytes) -> tuple[str, str, CachedResponse | None]:
        """Look up the current mode's key; in auto mode also later modes (a run that fell back earlier).
        ``encoded``: the request's messages, as ``messages_json`` encodes them."""
        mode = self.mode
        if self.cache.mode == "off":
            return mode, "", None  # no key to hash: nothing is read or written
        key = self._key(mode, request, encoded)
        hit = self.cache.get(key)
        if hit is None and self.requested_mode == "auto" and self._earlier_entries:
            for later in MODES[MODES.index(mode) + 1 :]:
                later_key = self._key(later, request, encoded)
                hit = self.cache.get(later_key, count_miss=False)
                if hit is not None:
                    self._adopt(later)
                    return later, later_key, hit
        return mode, key, hit

    def accept(self, answer: CachedResponse, grounded: tuple[str, str] | None = None) -> None:
        """The pipeline used this answer: only now is it worth keeping for a later run
        (with the claims grounded from it, when the pipeline passes them)."""
        if answer.key and not answer.from_cache:
            self.cache.put(answer.key, answer, meta={"model": self.model, "mode": answer.mode}, grounded=grounded)

    def evict(self, answer: CachedResponse) -> bool:
        """A cached answer the pipeline cannot use (an older version kept it): drop it so
        the server is asked again; a replay cannot ask, so it keeps it (False)."""
        if not (answer.key and answer.from_cache and self.cache.writes_enabled):
            return False
        self.cache.evict(answer.key)
        return True

    # ------------------------------------------------------------------ one request

    def _reserve_request(self) -> None:
        s, c = self.settings, self.counters
        if s.max_requests is not None and c.requests >= s.max_requests:
            self.budget_hit = True
            raise BudgetExhausted(f"request budget of {s.max_requests} spent")
        if s.max_tokens_total is not None and c.prompt_tokens + c.completion_tokens >= s.max_tokens_total:
            self.budget_hit = True
            raise BudgetExhausted(f"token budget of {s.max_tokens_total} spent")
        c.requests += 1  # no await between check and count: safe under concurrency

    async def complete(self, request: Request, usage: Usage) -> CachedResponse:
        """One answer. In auto mode every request goes out at once in the strongest mode
        not yet refused: a refusal comes back fast and moves everyone on (a request in
        flight in the refused mode is refused too and re-sent in the next one), so a
        server that accepts the first mode costs nothing, and one that refuses it costs
        one quick round trip, not a probe that the whole job waits behind."""
        stage = request.stage.name
        s = self.settings
        encoded = messages_json(request.messages)
        while True:
            mode, key, hit = self._cached(request, encoded)
            if hit is not None:
                usage.cache_hits += 1
                usage.cached_prompt_tokens += hit.prompt_tokens
                usage.cached_completion_tokens += hit.completion_tokens
                return hit
            if self.cache.mode == "replay":
                raise ExtractionError(f"stage {stage}: answer not in the recording ({self.cache.dir}); replay never calls the server", error="CacheMiss")
            body = build_request_body(
                model=self.model, messages=request.messages, mode=mode, output_model=request.stage.output_model,
                temperature=s.temperature, max_tokens=request.max_tokens, seed=s.seed,
            )
            estimate = sum(len(str(m.get("content") or "")) for m in request.messages) / 4 + (request.max_tokens or 0)
            timeout = s.timeout if s.timeout is not None else request_timeout(request.max_tokens)
            wire = request_body_bytes(body, encoded, mode, request.stage.output_model)
            try:
                resp = await call_with_retry(self._sender(wire, estimate, usage, timeout), self.policy, self.gate)
            except RetriesExhausted as e:
                raise ExtractionError(f"stage {stage}: {self.clean(str(e))}", error=error_kind(e.last)) from None
            except Exception as e:
                if not sdk_error(e):
                    raise
                if self.requested_mode == "auto" and is_mode_rejection(e) and self._fall_back(mode, str(e)) is not None:
                    continue
                if is_context_overflow(e):
                    raise NeedsSplit(str(e)) from None
                raise ExtractionError(f"stage {stage}: {error_kind(e)}: {self.clean(str(e))[:300]}", error=error_kind(e)) from None
            return self._record(resp, key, mode, usage, estimate)

    def _sender(self, body: bytes, estimate: float, usage: Usage, timeout: float) -> Callable[[], Awaitable[Any]]:
        """One attempt at sending ``body`` (the retry layer calls it again for a retry: the
        same request). Only attempts that reached the server count as requests."""
        pool = self._pool()
        reached = 0

        async def send() -> Any:
            nonlocal reached
            self._reserve_request()  # the budget pays for every attempt
            await self.limiter.acquire(estimate)
            went_out = True
            try:
                return await pool.post(body, timeout)
            except BaseException as e:
                went_out = not is_unreachable(e)
                raise
            finally:
                if went_out:
                    reached += 1
                    usage.requests += 1
                    if reached > 1:  # a retry: the identical request again
                        usage.retries += 1
                        self.counters.retries += 1
                else:
                    self.counters.requests -= 1  # nothing reached the server

        return send

    def _record(self, raw: Any, key: str, mode: str, usage: Usage, estimate: float) -> CachedResponse:
        try:
            out = read_completion(raw)
        except ValueError:
            raise ExtractionError("the server's answer is not a chat completion", error="BadResponse") from None
        pt, ct = out.prompt_tokens, out.completion_tokens
        usage.prompt_tokens += pt
        usage.completion_tokens += ct
        self.counters.prompt_tokens += pt
        self.counters.completion_tokens += ct
        self.limiter.settle(estimate, pt + ct)
        return replace(out, key=key or None, mode=mode)  # cached once the pipeline accepts it


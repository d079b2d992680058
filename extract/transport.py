"""The HTTP side of the LLM backend: one `openai.AsyncOpenAI` client, one retry layer.

The SDK's own retries are switched off (``max_retries=0``) so that every request the
server sees is one we counted, and so that ``Retry-After`` is honoured exactly once,
by us. A retry re-sends the identical request: the caller passes a zero-argument
coroutine factory that always builds the same payload.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx2
import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay

from claims.extract.structured import is_mode_rejection
from claims.kernel.errors import UserError

log = logging.getLogger("claims.extract.transport")

T = TypeVar("T")

# Status codes worth another try: rate limits, timeouts at a proxy, overloaded servers.
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 529})
PLACEHOLDER_KEY = "sk-no-key-local"


def is_local(base_url: str | None) -> bool:
    """A server on this machine (vLLM, Ollama, llama.cpp) usually wants no key."""
    if not base_url:
        return False
    host = (urlparse(base_url).hostname or "").lower()
    return host in ("127.0.0.1", "localhost", "::1", "0.0.0.0")


def endpoint(base_url: str | None, api_key: str | None, *, keyless: bool = False) -> tuple[str | None, str]:
    """(base URL, API key) from the options, else ``$OPENAI_BASE_URL`` / ``$OPENAI_API_KEY``.

    A local server (or ``keyless``: a run that never calls the server) gets a
    placeholder key; anywhere else a missing key is an error, named before any request.
    """
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if not key:
        if not (keyless or is_local(base_url)):
            raise UserError("OPENAI_API_KEY is not set (or pass a local --base-url such as http://127.0.0.1:8000/v1)")
        key = PLACEHOLDER_KEY
    return base_url, key


def base_host(base_url: str | None) -> str:
    """What the cache key keeps of the endpoint: the host name only (no scheme, port or key)."""
    if not base_url:
        return "api.openai.com"
    return (urlparse(base_url).hostname or base_url).lower()


def make_client(*, base_url: str | None, api_key: str, timeout: float, concurrency: int) -> Any:
    """An AsyncOpenAI client without SDK retries and with a pool sized to the job's concurrency."""

    limits = httpx2.Limits(max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency))
    http_client = openai.DefaultAsyncHttpxClient(limits=limits, timeout=timeout)
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=0,
        http_client=http_client,
    )


# httpcore's pool scans every connection for each request (a readability check on
# each idle one), so one pool of 64 costs far more CPU per request than 8 pools of 8.
CONNECTIONS_PER_CLIENT = 8


class ClientPool:
    """Several AsyncOpenAI clients sharing a job's concurrency; each request takes the least busy."""

    def __init__(self, *, base_url: str | None, api_key: str, timeout: float, concurrency: int):
        n = max(1, -(-concurrency // CONNECTIONS_PER_CLIENT))
        per = max(1, -(-concurrency // n))
        self.clients = [make_client(base_url=base_url, api_key=api_key, timeout=timeout, concurrency=per) for _ in range(n)]
        self.busy = [0] * n

    def pick(self) -> int:
        i = min(range(len(self.clients)), key=self.busy.__getitem__)
        self.busy[i] += 1
        return i

    def release(self, i: int) -> None:
        self.busy[i] -= 1

    async def close(self) -> None:
        for c in self.clients:
            await c.close()


def retry_after_seconds(headers: Any) -> float | None:
    """Server-requested wait from ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


def error_kind(exc: BaseException) -> str:
    """Short name for failure records: the SDK's exception class (RateLimitError, APITimeoutError, ...)."""
    return type(exc).__name__


def is_retryable(exc: BaseException) -> bool:

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError, resets, refused
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429 and _error_code(exc) == "insufficient_quota":
            return False  # out of credit: waiting will not help

        if is_mode_rejection(exc):
            return False  # a refused output mode is refused again on every retry
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


def _error_code(exc: Any) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            code = err.get("code") or err.get("type")
            return str(code) if code else None
    return getattr(exc, "code", None)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total time."""

    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2**n)]."""
        return rng.uniform(0.0, min(self.backoff_max, self.backoff_base * (2 ** max(0, retry_number - 1))))


class RetriesExhausted(Exception):
    """Wraps the last transport error once the attempts or the time budget are spent."""

    def __init__(self, last: BaseException, attempts: int):
        super().__init__(f"{error_kind(last)} after {attempts} attempt(s): {_short(last)}")
        self.last = last
        self.attempts = attempts


def _short(exc: BaseException) -> str:

    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {str(exc.message)[:200]}"
    return str(exc)[:200] or type(exc).__name__


async def call_with_retry(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_attempt: Callable[[int], None] | None = None,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt`` until it succeeds, a non-retryable error occurs, or the policy says stop.

    ``on_attempt(n)`` is called before attempt n (1-based) so the caller can count
    requests and retries even when the call finally fails. Non-retryable errors
    propagate unchanged; retryable ones end as RetriesExhausted.
    """

    rng = rng or random.Random()

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        response = getattr(exc, "response", None)
        server_wait = retry_after_seconds(getattr(response, "headers", None))
        if server_wait is not None:
            return server_wait  # the server knows best; honoured exactly
        return policy.backoff(state.attempt_number, rng)

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info("retrying after %s (attempt %d, waiting %.2fs)", _short(exc) if exc else "?", state.attempt_number,
                 state.upcoming_sleep)

    n = 0
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_retry_seconds),
        wait=wait,
        retry=retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for att in retrying:
            with att:
                n += 1
                if on_attempt:
                    on_attempt(n)
                return await attempt()
    except BaseException as exc:
        if is_retryable(exc):
            raise RetriesExhausted(exc, n) from None
        raise
    raise AssertionError("unreachable")  # pragma: no cover

"""The HTTP side of the LLM backend: one HTTP session per event loop, one retry layer,
and one gate per endpoint shared by every request in flight.

Requests go out through an aiohttp session (the transport the openai SDK itself offers
as ``DefaultAioHttpClient``) as the same wire request the SDK's
`chat.completions.create` sends, and a failed one is raised as the SDK's exception
type, built the SDK's way (``sdk_status_error``, with the httpx2 error the SDK would
have seen as its cause): callers and failure records see `RateLimitError`,
`APITimeoutError`, ... as before. Going around the SDK's request machinery saves about
1 ms of CPU per request, and its ~0.35 s import in a job whose requests all succeed
(a warm re-run sends none); aiohttp's C parser another ~0.7 ms against httpx2's
pure-Python h11. There are no hidden retries: every request the server
sees is one we counted. A retry re-sends the identical request: the caller passes a
zero-argument coroutine factory that always builds the same payload.

What the server says decides what happens:
- 429, 408/409, 5xx, timeouts: retried with a jittered exponential backoff; a
  ``Retry-After`` is a lower bound on the wait (``Retry-After: 0`` from a proxy is not
  an invitation to hammer), and a 429 pauses every request to the endpoint, not just
  the one that got it.
- the server cannot be reached (refused, reset, DNS, TLS): the gate's circuit opens;
  requests wait while one probe at a time (half-open) tries again with a growing
  backoff. A server that answered before gets ``outage_seconds`` to come back; one that
  never answered gets ``connect_seconds``, so a wrong URL stops the job in seconds.
- 401/403 (a refused key), 404 (an unknown model or path), insufficient quota: nothing
  a retry or another article can fix: the job stops (``EndpointUnavailable``).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from pydantic_core import from_json
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from claims.extract.structured import is_mode_rejection
from claims.kernel.errors import JobStop, UserError

if TYPE_CHECKING:
    import httpx2

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


def _openai() -> Any:
    """The SDK module, imported on first need (an error to raise): ~0.35 s of start-up
    that a job whose requests all succeed never pays."""
    import openai

    return openai


def sdk_error(exc: BaseException, kind: str = "APIError") -> bool:
    """Is ``exc`` the SDK's ``openai.<kind>``? Without importing the SDK: when nothing has
    imported it, no exception can be one of its types."""
    openai = sys.modules.get("openai")
    return openai is not None and isinstance(exc, getattr(openai, kind))


def sdk_status_error(response: httpx2.Response) -> Exception:
    """The SDK's exception for a non-2xx answer, built as the SDK builds it (message
    'Error code: N - <message>', class by status, ``body`` the error object)."""
    openai = _openai()
    msg = f"Error code: {response.status_code}"
    text = response.text.strip()
    body: Any = text
    try:
        body = json.loads(text)
    except ValueError:
        pass
    else:
        error = body.get("error", body) if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if isinstance(message, str) and message:
            msg += f" - {message}"
    data = body.get("error", body) if isinstance(body, dict) else body
    code = response.status_code
    cls = {400: openai.BadRequestError, 401: openai.AuthenticationError, 403: openai.PermissionDeniedError,
           404: openai.NotFoundError, 409: openai.ConflictError, 422: openai.UnprocessableEntityError,
           429: openai.RateLimitError}.get(code) or (openai.InternalServerError if code >= 500 else openai.APIStatusError)
    return cls(msg, response=response, body=data)


def sdk_transport_error(exc: httpx2.HTTPError, request: httpx2.Request) -> Exception:
    """The SDK's exception for a request that got no answer (the httpx2 error as its cause)."""
    import httpx2

    openai = _openai()
    if isinstance(exc, httpx2.TimeoutException):
        return openai.APITimeoutError(request=request)
    return openai.APIConnectionError(request=request)


def make_client(*, base_url: str | None, api_key: str, timeout: float, concurrency: int) -> Any:
    """An AsyncOpenAI client without SDK retries (the retry layer here is the only one),
    with a pool sized to the concurrency: for the requests off the hot path (embeddings,
    the judge)."""
    import httpx2

    openai = _openai()
    limits = httpx2.Limits(max_connections=max(1, concurrency), max_keepalive_connections=max(1, concurrency))
    http_client = openai.DefaultAsyncHttpxClient(limits=limits, timeout=timeout)
    return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0, http_client=http_client)


def _headers(api_key: str) -> dict[str, str]:
    h = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json", "Accept": "application/json",
         "User-Agent": "claims (OpenAI-compatible)"}
    for env, header in (("OPENAI_ORG_ID", "OpenAI-Organization"), ("OPENAI_PROJECT_ID", "OpenAI-Project")):
        if os.environ.get(env):
            h[header] = os.environ[env]
    return h


# A request's timeout, unless --timeout sets one: a minute for the server to take it and
# read the prompt, plus the completion bound at the slowest generation worth waiting
# for (a CPU model under a grammar: ~10 tokens/s). A fixed 60 s cut off every answer a
# slow local server was still writing, and the retry then queued behind it.
BASE_TIMEOUT = 60.0
SLOWEST_TOKENS_PER_SECOND = 10.0


def request_timeout(max_tokens: int | None) -> float:
    return BASE_TIMEOUT + (max_tokens or 0) / SLOWEST_TOKENS_PER_SECOND


def http_library() -> Any:
    """aiohttp, imported on first need (~0.2 s: only a job that sends requests pays it;
    the process engine imports it before it forks, so its workers share the import)."""
    import aiohttp

    return aiohttp


class ClientPool:
    """A job's connections to its endpoint: one aiohttp session per event loop.

    Timeouts mean what they meant with httpx2: to connect, and between bytes of the
    answer, never a bound on the whole answer (a slow server still writing is not cut
    off). A proxy from the environment (``HTTPS_PROXY``, ``NO_PROXY``, ...) is looked up
    once here: aiohttp's ``trust_env`` would look it up, and ~/.netrc, on a thread for
    every request."""

    def __init__(self, *, base_url: str | None, api_key: str, timeout: float, concurrency: int):
        self._aiohttp = aiohttp = http_library()
        root = (base_url or "https://api.openai.com/v1").rstrip("/")
        self.url = f"{root}/chat/completions"
        connector = aiohttp.TCPConnector(limit=max(1, concurrency), limit_per_host=0, ttl_dns_cache=300)
        self.timeout = self._timeout(timeout)
        self.session = aiohttp.ClientSession(connector=connector, headers=_headers(api_key), proxy=env_proxy(self.url), timeout=self.timeout)

    def _timeout(self, seconds: float) -> Any:
        return self._aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)

    async def post(self, body: bytes, timeout: float | None = None) -> Any:
        """One request; the answer's JSON, or the SDK's exception for what went wrong."""
        aiohttp = self._aiohttp
        try:
            async with self.session.post(self.url, data=body, timeout=self.timeout if timeout is None else self._timeout(timeout)) as r:
                raw = await r.read()
                status, headers = r.status, r.headers
            log.debug("POST %s: HTTP %d, %d bytes", self.url, status, len(raw))
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            log.debug("POST %s: %s", self.url, _short(e))
            cause = _as_httpx(aiohttp, e)
            cause.__cause__ = e
            raise sdk_transport_error(cause, self._sdk_request()) from cause
        if status >= 300:
            import httpx2

            raise sdk_status_error(httpx2.Response(status, headers=list(headers.items()), content=raw, request=self._sdk_request()))
        try:
            return from_json(raw)  # a third of json.loads' CPU on a 13 KB answer
        except ValueError:
            raise ValueError(f"not JSON (HTTP {status})") from None

    def _sdk_request(self) -> httpx2.Request:
        """The request as the SDK's exceptions carry it (built for an error only)."""
        import httpx2

        return httpx2.Request("POST", self.url)

    async def close(self) -> None:
        await self.session.close()


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (None when ``NO_PROXY`` exempts its host)."""
    from urllib.request import getproxies, proxy_bypass

    parts = urlparse(url)
    proxy = getproxies().get(parts.scheme) or getproxies().get("all")
    return None if not proxy or proxy_bypass(parts.hostname or "") else proxy


def _as_httpx(aiohttp: Any, e: BaseException) -> httpx2.HTTPError:
    """The httpx2 error an aiohttp one stands for: what the SDK's exceptions carry, and
    what ``is_unreachable`` reads (no connection at all, against a failure mid-answer)."""
    import httpx2

    text = str(e) or type(e).__name__
    if isinstance(e, aiohttp.ConnectionTimeoutError):
        return httpx2.ConnectTimeout(text)
    if isinstance(e, asyncio.TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return httpx2.ReadTimeout(text)
    if isinstance(e, aiohttp.ClientConnectorError):  # refused, DNS, TLS
        return httpx2.ConnectError(text)
    if isinstance(e, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        return httpx2.RemoteProtocolError(text)
    return httpx2.ReadError(text)


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


class EndpointUnavailable(JobStop):
    """The server cannot serve this job (unreachable, key refused, unknown model): stop
    the job at once instead of failing every article the same way."""

    status = "endpoint_unavailable"
    exit_code = 2


def is_unreachable(exc: BaseException) -> bool:
    """No connection at all: refused, DNS, TLS, a connect timeout. A request that got
    through and then failed (a reset, a read timeout) reached a server: it is retried
    as usual, not a reason to stop everyone."""
    httpx2 = sys.modules.get("httpx2")  # not imported: no SDK error has been built
    return httpx2 is not None and sdk_error(exc, "APIConnectionError") and isinstance(exc.__cause__, (httpx2.ConnectError, httpx2.ConnectTimeout))


def _error_code(exc: Any) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            code = err.get("code") or err.get("type")
            return str(code) if code else None
    return getattr(exc, "code", None)


def fatal_reason(exc: BaseException) -> str | None:
    """Why no request to this endpoint can succeed, or None."""
    if not sdk_error(exc, "APIStatusError") or is_mode_rejection(exc):
        return None
    code = exc.status_code
    if code in (401, 403):
        return f"HTTP {code}: the server refused the API key ({_short(exc)}); check $OPENAI_API_KEY"
    if code == 404:
        return f"HTTP 404: unknown model or path ({_short(exc)}); check --model, and that --base-url ends in /v1"
    if code == 429 and _error_code(exc) == "insufficient_quota":
        return f"HTTP 429 insufficient_quota: the account is out of credit ({_short(exc)})"
    return None


def is_retryable(exc: BaseException) -> bool:
    if sdk_error(exc, "APIConnectionError"):  # includes APITimeoutError, resets, refused
        return True
    if sdk_error(exc, "APIStatusError"):
        if fatal_reason(exc) or is_mode_rejection(exc):
            return False  # refused again on every retry
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by attempts and by total time, plus the
    circuit's budgets for an unreachable server."""

    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    connect_seconds: float = 3.0  # a server never reached: how long to keep probing before stopping the job
    outage_seconds: float = 120.0  # a server that answered before: how long it may be gone

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Equal jitter: uniform in [cap/2, cap], cap = min(max, base * 2**(n-1)); the
        floor keeps retries of many workers apart however small the server's hint."""
        cap = min(self.backoff_max, self.backoff_base * (2 ** max(0, retry_number - 1)))
        return rng.uniform(cap / 2, cap)

    def wait(self, retry_number: int, exc: BaseException | None, rng: random.Random) -> float:
        """The wait before a retry: the backoff, or longer when the server asks for more."""
        server = retry_after_seconds(getattr(getattr(exc, "response", None), "headers", None))
        return max(self.backoff(retry_number, rng), server or 0.0)


class EndpointGate:
    """One per endpoint, shared by every request in flight to it (any event loop: it
    keeps time, not loop-bound primitives).

    - ``pause(seconds)``: after a 429 nobody sends until the pause is over.
    - the circuit: ``unreachable()`` opens it; while open, callers of ``admit()`` wait and
      one at a time is let through as a probe after a growing backoff; any answer closes
      it (``reached()``). Open longer than the policy allows: EndpointUnavailable.
    """

    POLL = 0.05

    def __init__(self, policy: RetryPolicy, where: str, rng: random.Random | None = None):
        self.policy = policy
        self.where = where
        self.rng = rng or random.Random()
        self.pause_until = 0.0
        self.ever_reached = False
        self.open_since: float | None = None
        self.next_probe = 0.0
        self.probes = 0
        self.probing = False
        self.last_error = ""
        self.pauses = 0
        self.outages = 0

    def pause(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        if until > self.pause_until:
            self.pause_until = until
            self.pauses += 1

    def reached(self) -> None:
        """The server answered (anything, even an error): it is there."""
        self.ever_reached = True
        if self.open_since is not None:
            log.warning("%s answers again after %.1fs", self.where, time.monotonic() - self.open_since)
        self.open_since = None
        self.probing = False
        self.probes = 0

    def unreachable(self, exc: BaseException) -> None:
        now = time.monotonic()
        self.last_error = _short(exc)
        self.probing = False
        if self.open_since is None:
            self.open_since = now
            self.outages += 1
            if self.ever_reached:  # a server that never answered is reported once, when the job stops
                log.warning("%s unreachable (%s); waiting up to %.0fs for it", self.where, self.last_error, self.policy.outage_seconds)
        self.probes += 1
        self.next_probe = now + self.policy.backoff(self.probes, self.rng)

    async def admit(self) -> None:
        """Wait until a request may go out; EndpointUnavailable when the server stayed away too long."""
        while True:
            now = time.monotonic()
            if self.pause_until > now:
                await asyncio.sleep(self.pause_until - now)
                continue
            if self.open_since is None:
                return
            budget = self.policy.outage_seconds if self.ever_reached else self.policy.connect_seconds
            if now - self.open_since > budget:
                if self.ever_reached:
                    raise EndpointUnavailable(f"{self.where}: unreachable for {budget:.0f}s ({self.last_error})")
                raise EndpointUnavailable(f"{self.where}: cannot reach the server ({self.last_error})")
            if not self.probing and now >= self.next_probe:
                self.probing = True  # this caller is the half-open probe
                return
            await asyncio.sleep(self.POLL)


class RetriesExhausted(Exception):
    """Wraps the last transport error once the attempts or the time budget are spent."""

    def __init__(self, last: BaseException, attempts: int):
        super().__init__(f"{error_kind(last)} after {attempts} attempt(s): {_short(last)}")
        self.last = last
        self.attempts = attempts


def _short(exc: BaseException) -> str:
    if sdk_error(exc, "APIStatusError"):
        return f"HTTP {exc.status_code}: {str(exc.message)[:200]}"
    cause = exc.__cause__ or exc.__context__
    text = str(exc)[:200] or type(exc).__name__
    return f"{text} ({str(cause)[:120]})" if cause is not None and str(cause) and str(cause) not in text else text


_JITTER = random.Random()  # backoff jitter; seeding one per request cost ~10 us of CPU


async def call_with_retry(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    gate: EndpointGate | None = None,
    *,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt`` until it succeeds, a non-retryable error occurs, or the policy says stop.

    Every attempt first passes the endpoint's gate. Attempts that found the server
    unreachable do not count against ``max_attempts``: the circuit bounds them (and
    stops the job when the server stays away). Non-retryable errors propagate
    unchanged, a fatal one as EndpointUnavailable; retryable ones end as RetriesExhausted.
    """
    rng = rng or _JITTER
    gate = gate or EndpointGate(policy, "the server", rng)
    counted = 0  # attempts that reached the server (or timed out)
    n = 0
    t0 = time.monotonic()

    def stop(state: RetryCallState) -> bool:
        # like tenacity's stop_before_delay (from the first attempt, which ran before the
        # loop): a wait that would end past the budget is not started
        return counted >= policy.max_attempts or time.monotonic() - t0 + (state.upcoming_sleep or 0.0) >= policy.max_retry_seconds

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None and is_unreachable(exc):
            return 0.0  # the gate does the waiting, for every request at once
        w = policy.wait(counted, exc, rng)
        if sdk_error(exc, "RateLimitError"):
            gate.pause(w)  # a burst of 429s is not hammered by every worker at once
        return w

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.info("retrying after %s (attempt %d, waiting %.2fs)", _short(exc) if exc else "?", state.attempt_number, state.upcoming_sleep)

    async def once() -> T:
        nonlocal n, counted
        await gate.admit()
        n += 1
        try:
            result = await attempt()
        except BaseException as exc:
            if is_unreachable(exc):
                gate.unreachable(exc)
            elif sdk_error(exc):
                gate.reached()
                counted += 1
            else:
                gate.probing = False  # never sent (a budget, a cancel): another caller may probe
            raise
        gate.reached()
        return result

    try:
        try:
            return await once()  # nearly every request: no retry machinery built (~30 us of CPU)
        except BaseException as exc:
            if not is_retryable(exc):
                raise
            first: BaseException | None = exc
        retrying = AsyncRetrying(
            stop=stop, wait=wait, retry=retry_if_exception(is_retryable), before_sleep=before_sleep, reraise=True,
        )
        async for att in retrying:
            with att:
                if first is not None:  # the first attempt's failure, as the loop's attempt 1: its wait and log
                    exc, first = first, None
                    raise exc
                return await once()
    except BaseException as exc:
        reason = fatal_reason(exc)
        if reason:
            raise EndpointUnavailable(f"{gate.where}: {reason}") from None
        if is_retryable(exc):
            raise RetriesExhausted(exc, n) from None
        raise
    raise AssertionError("unreachable")  # pragma: no cover

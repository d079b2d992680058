"""The retry layer and its helpers: Retry-After parsing, backoff bounds, what is retried."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import formatdate

import httpx2
import openai
import pytest

from claims.extract.ratelimit import RateLimiter
from claims.extract.transport import (
    ClientPool, RetriesExhausted, RetryPolicy, base_host, call_with_retry, env_proxy, is_local, is_retryable, is_unreachable, retry_after_seconds,
)


def status_error(code: int, headers: dict[str, str] | None = None, body: dict | None = None) -> openai.APIStatusError:
    req = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    resp = httpx2.Response(code, headers=headers or {}, request=req, json=body or {})
    cls = {429: openai.RateLimitError, 400: openai.BadRequestError, 401: openai.AuthenticationError}.get(code, openai.InternalServerError)
    return cls(f"HTTP {code}", response=resp, body=body)


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "0.5"}) == 0.5
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25  # ms wins: more precise
    in_5s = retry_after_seconds({"retry-after": formatdate(time.time() + 5, usegmt=True)})
    assert in_5s is not None and 3.5 <= in_5s <= 5.0
    assert retry_after_seconds({"retry-after": formatdate(time.time() - 60, usegmt=True)}) == 0.0
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_full_jitter_stays_within_the_exponential_cap():
    p = RetryPolicy(backoff_base=0.5, backoff_max=4.0)
    rng = random.Random(1)
    for n, cap in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)):
        waits = [p.backoff(n, rng) for _ in range(200)]
        assert all(0.0 <= w <= cap for w in waits)
        assert max(waits) > cap * 0.8  # really spread over the range


def test_what_is_retried():
    assert is_retryable(status_error(429)) and is_retryable(status_error(503)) and is_retryable(status_error(500))
    assert not is_retryable(status_error(400)) and not is_retryable(status_error(401))
    assert not is_retryable(status_error(429, body={"error": {"code": "insufficient_quota"}}))
    assert is_retryable(openai.APITimeoutError(request=httpx2.Request("POST", "http://x")))
    assert not is_retryable(ValueError("x"))


def test_call_with_retry_honours_retry_after_and_counts_attempts():
    calls: list[float] = []

    async def attempt() -> str:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise status_error(429, {"retry-after-ms": "200"})
        return "ok"

    assert asyncio.run(call_with_retry(attempt, RetryPolicy(max_attempts=5, backoff_base=0.001))) == "ok"
    assert len(calls) == 3 and calls[1] - calls[0] >= 0.2 and calls[2] - calls[1] >= 0.2


def test_call_with_retry_gives_up_after_max_attempts_and_passes_fatal_errors():
    n = 0

    async def always_503() -> None:
        nonlocal n
        n += 1
        raise status_error(503)

    with pytest.raises(RetriesExhausted) as info:
        asyncio.run(call_with_retry(always_503, RetryPolicy(max_attempts=4, backoff_base=0.001)))
    assert n == 4 and info.value.attempts == 4 and "InternalServerError" in str(info.value)

    async def bad_request() -> None:
        raise status_error(400)

    with pytest.raises(openai.BadRequestError):
        asyncio.run(call_with_retry(bad_request, RetryPolicy()))


def test_hosts():
    assert is_local("http://127.0.0.1:8000/v1") and is_local("http://localhost:11434/v1")
    assert not is_local("https://api.openai.com/v1") and not is_local(None)
    assert base_host("http://LocalHost:8000/v1") == "localhost" and base_host(None) == "api.openai.com"


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(rpm=600)  # 10/s, burst of 100 (ten seconds' worth)
    limiter.requests.level = 0.0  # empty bucket: each request waits ~0.1 s

    async def go() -> float:
        t = time.monotonic()
        for _ in range(3):
            await limiter.acquire()
        return time.monotonic() - t

    assert asyncio.run(go()) >= 0.25


def test_env_proxy_names_the_proxy_unless_no_proxy_exempts_the_host(monkeypatch):
    for v in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(v, raising=False)
    assert env_proxy("https://api.openai.com/v1/chat/completions") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert env_proxy("https://api.openai.com/v1/chat/completions") == "http://proxy.internal:3128"
    assert env_proxy("http://10.0.0.5:8000/v1/chat/completions") is None  # HTTPS_PROXY is for https only
    monkeypatch.setenv("NO_PROXY", "api.openai.com")
    assert env_proxy("https://api.openai.com/v1/chat/completions") is None


def test_requests_go_through_the_proxy_the_environment_names(fake_server, monkeypatch):
    """A proxy read once from the environment: the fake server as the proxy (it answers an
    absolute-URI request like any other) for a base URL where nothing listens."""
    for v in ("NO_PROXY", "no_proxy", "http_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("HTTP_PROXY", fake_server.base_url.rsplit("/v1", 1)[0])
    body = b'{"model": "m", "messages": [{"role": "user", "content": "Peskov said the talks failed."}]}'

    async def go() -> dict:
        pool = ClientPool(base_url="http://127.0.0.1:9/v1", api_key="sk-test", timeout=10, concurrency=2)
        try:
            return await pool.post(body)
        finally:
            await pool.close()

    answer = asyncio.run(go())
    assert answer["object"] == "chat.completion"
    assert [r.path for r in fake_server.requests] == ["http://127.0.0.1:9/v1/chat/completions"]


def test_transport_failures_become_the_sdks_errors_with_httpx2_causes():
    """Nothing listening: APIConnectionError caused by a ConnectError (the circuit's
    'unreachable'); a server that takes the request and never answers: APITimeoutError,
    which is retried but is not 'unreachable'."""
    import socket

    def closed_port() -> int:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    async def post(url: str, timeout: float) -> BaseException:
        pool = ClientPool(base_url=url, api_key="sk-test", timeout=timeout, concurrency=1)
        try:
            await pool.post(b"{}")
        except BaseException as e:  # noqa: BLE001  (the test reads what came out)
            return e
        finally:
            await pool.close()
        raise AssertionError("no error")

    refused = asyncio.run(post(f"http://127.0.0.1:{closed_port()}/v1", 5))
    assert isinstance(refused, openai.APIConnectionError) and isinstance(refused.__cause__, httpx2.ConnectError)
    assert is_unreachable(refused) and is_retryable(refused)

    silent = socket.socket()  # accepts (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        hung = asyncio.run(post(f"http://127.0.0.1:{silent.getsockname()[1]}/v1", 0.3))
    finally:
        silent.close()
    assert isinstance(hung, openai.APITimeoutError) and isinstance(hung.__cause__, httpx2.ReadTimeout)
    assert not is_unreachable(hung) and is_retryable(hung)

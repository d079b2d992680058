"""Requests-per-minute and tokens-per-minute limits as async token buckets.

Providers enforce both; staying under them avoids 429 storms instead of retrying
through them. Each bucket holds at most ten seconds' worth so a cold start cannot
burst a whole minute's quota at once. A request larger than the bucket is let
through when the bucket is full (it would otherwise wait forever) and drives the
level negative, so the debt is paid by later requests.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    def __init__(self, per_minute: float, burst_seconds: float = 10.0):
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.level = self.capacity
        self.updated = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def delay_for(self, amount: float) -> float:
        """Seconds until ``amount`` can be taken (0 when it can be taken now)."""
        self._refill()
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self.level -= amount


class RateLimiter:
    """Waits until one request of ``tokens`` (estimated) fits under both limits.

    Safe for many coroutines on one event loop: waiting happens outside the
    critical section, taking happens inside it.
    """

    def __init__(self, rpm: float | None = None, tpm: float | None = None):
        self.requests = TokenBucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm) if tpm else None
        self.waited_seconds = 0.0

    @property
    def active(self) -> bool:
        return self.requests is not None or self.tokens is not None

    async def acquire(self, tokens: float = 0.0) -> None:
        if not self.active:
            return
        while True:
            delay = max(
                self.requests.delay_for(1.0) if self.requests else 0.0,
                self.tokens.delay_for(tokens) if self.tokens else 0.0,
            )
            if delay <= 0.0:
                if self.requests:
                    self.requests.take(1.0)
                if self.tokens:
                    self.tokens.take(tokens)
                return
            self.waited_seconds += delay
            await asyncio.sleep(delay)

    def settle(self, estimated: float, actual: float) -> None:
        """Correct the token bucket once the server reports what a request really used."""
        if self.tokens is not None:
            self.tokens.level -= actual - estimated

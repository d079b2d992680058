"""One request of a similarity method to its server: the project's retry layer, counted.

Each attempt that is sent is counted in the method's stats (requests, retries), so the
report's usage is what the server saw. A transport failure that outlives the retries,
or a server that cannot serve at all, is a one-line ``UserError`` naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from claims.extract.transport import EndpointGate, EndpointUnavailable, RetriesExhausted, RetryPolicy, call_with_retry
from claims.kernel.errors import UserError


async def send_counted(request: Callable[[], Awaitable[Any]], policy: RetryPolicy, gate: EndpointGate,
                       stats: dict[str, Any], where: str) -> Any:
    """``request()`` until it succeeds, retried by the policy; every attempt counted in ``stats``."""
    attempts = 0

    async def attempt() -> Any:
        nonlocal attempts
        attempts += 1
        stats["requests"] += 1
        stats["retries"] += attempts > 1  # a retry re-sends the identical request
        return await request()

    try:
        return await call_with_retry(attempt, policy, gate)
    except (RetriesExhausted, EndpointUnavailable) as e:
        raise UserError(f"{where}: {e}") from None

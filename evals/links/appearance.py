"""Dates and first appearance: who carried a claim first.

``published`` comes as the input gave it (ISO dates or date-times, possibly with a zone).
Dates are compared as UTC instants; a bare date is its midnight UTC; a date that cannot be
read counts as undated. The first appearance is the earliest dated member; ties go to the
member met first in the input (article order, then claim order).
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache


@lru_cache(maxsize=65536)
def instant(published: str | None) -> float | None:
    """Seconds since the epoch (UTC) of a published date, or None when absent or unreadable."""
    if not published:
        return None
    text = published.strip().replace("Z", "+00:00")
    for candidate in (text, text[:10]):
        try:
            d = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return d.timestamp()
    return None


def order_key(published: str | None, position: int) -> tuple[int, float, int]:
    """Sort key: dated before undated, earlier first, then input position."""
    t = instant(published)
    return (0, t, position) if t is not None else (1, 0.0, position)

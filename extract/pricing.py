"""Cost from token usage and a user-supplied price table (USD per million tokens)."""

from __future__ import annotations

from typing import Any

from claims.kernel.errors import UserError


def cost(usage: dict[str, Any], model: str, price_table: dict[str, Any]) -> float | None:
    """None when the table has no entry for the model: an unknown price is not zero."""
    prices = price_table.get(model)
    if prices is None:
        return None
    try:
        return round(
            usage.get("prompt_tokens", 0) * float(prices["prompt"]) / 1e6
            + usage.get("completion_tokens", 0) * float(prices["completion"]) / 1e6,
            6,
        )
    except (KeyError, TypeError, ValueError):
        raise UserError(f"price table entry for {model!r} needs numeric 'prompt' and 'completion' (USD per 1M tokens)") from None

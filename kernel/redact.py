"""Keep secrets out of everything the toolkit writes or prints."""

from __future__ import annotations

import os
import re

_BEARER = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?bearer\s+)[^\s\"',}]+")
_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}")


def known_secrets(*extra: str | None) -> tuple[str, ...]:
    """The API key from the environment plus any given explicitly."""
    vals = [os.environ.get("OPENAI_API_KEY"), *extra]
    return tuple(v for v in vals if v and len(v) >= 4)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for s in secrets:
        text = text.replace(s, "***")
    text = _BEARER.sub(r"\1***", text)
    return _KEYLIKE.sub("sk-***", text)

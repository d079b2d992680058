"""Backends, imported lazily so that `claims --help` stays fast."""

from __future__ import annotations

from typing import Any

from .base import Backend

BACKENDS = ("rules", "sentences", "openai")


def get_backend(name: str, **options: Any) -> Backend:
    if name == "rules":
        from .rules import RulesBackend

        return RulesBackend(**options)
    if name == "sentences":
        from .sentences import SentencesBackend

        return SentencesBackend(**options)
    if name == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend(**options)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")

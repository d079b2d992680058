"""Backends, imported lazily so that `claims --help` stays fast."""

from __future__ import annotations

from typing import Any

from claims.extract.backends.base import Backend

BACKENDS = ("rules", "sentences", "openai")


def get_backend(name: str, **options: Any) -> Backend:
    if name == "rules":
        from claims.extract.backends.rules import RulesBackend

        return RulesBackend(**options)
    if name == "sentences":
        from claims.extract.backends.sentences import SentencesBackend

        return SentencesBackend(**options)
    if name == "openai":
        from claims.extract.backends.openai import OpenAIBackend

        return OpenAIBackend(**options)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")

"""Backends turn one article into its claims. Each is built from the extraction
settings; the modules are imported on demand so that `claims --help` stays fast."""

from __future__ import annotations

from typing import Any

from claims.extract.backends.base import Backend
from claims.kernel.settings import BACKENDS, ExtractionSettings, make_settings


def build_backend(
    settings: ExtractionSettings | None = None,
    /,
    *,
    api_key: str | None = None,
    gold_texts: dict[str, str] | None = None,
    price_table: dict[str, Any] | None = None,
    **fields: Any,
) -> Backend:
    """The backend for ``settings`` (or for settings given as keywords over it).

    Run-time things that are not settings: ``api_key`` (default $OPENAI_API_KEY),
    ``gold_texts`` (few-shot examples must not copy them), ``price_table``."""
    s = make_settings(settings, **fields) if fields or settings is None else settings
    if s.backend == "rules":
        from claims.extract.backends.rules import RulesBackend  # on demand: start-up time

        return RulesBackend()
    if s.backend == "sentences":
        from claims.extract.backends.sentences import SentencesBackend

        return SentencesBackend()
    if s.backend == "openai":
        from claims.extract.backends.openai import OpenAIBackend  # imports the openai SDK

        return OpenAIBackend(s, api_key=api_key, gold_texts=gold_texts, price_table=price_table)
    raise AssertionError(f"unknown backend {s.backend!r}; choose one of {', '.join(BACKENDS)}")  # the model's Literal forbids it

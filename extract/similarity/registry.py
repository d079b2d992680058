"""Similarity methods by name: ``lexical``, ``embedding``, ``judge``.

``get_similarity(method, **options)`` builds the bare method; ``statement_similarity``
wraps it in the fact checks (``FactChecked``), which is what the matcher, dedupe and
the linker use: a pair whose numbers, dates, polarity or actors disagree never matches,
however similar the words. Heavy libraries (wordllama, openai) are imported by the
factory that needs them, so naming a method costs nothing.

The default method and each method's default threshold were chosen on the contrast
set (``gold/contrast/``) by the rule stated in the README (``claims calibrate-similarity``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from claims.extract.similarity.base import Similarity
from claims.kernel.errors import UserError

DEFAULT_METHOD = "lexical"
Factory = Callable[..., Similarity]
_FACTORIES: dict[str, Factory] = {}


def register_similarity(method: str, factory: Factory) -> None:
    """Add (or replace) a method; ``factory(**options)`` returns a ``Similarity``."""
    _FACTORIES[method] = factory


def similarity_methods() -> tuple[str, ...]:
    _register_builtins()
    return tuple(_FACTORIES)


def get_similarity(method: str = DEFAULT_METHOD, **options: Any) -> Similarity:
    """The bare method (no fact checks); UserError for an unknown name or bad options."""
    _register_builtins()
    factory = _FACTORIES.get(method)
    if factory is None:
        raise UserError(f"unknown similarity {method!r}; choose one of {', '.join(_FACTORIES)}")
    return factory(**{k: v for k, v in options.items() if v is not None})


def statement_similarity(method: str = DEFAULT_METHOD, *, threshold: float | None = None, fact_checks: bool = True,
                         **options: Any) -> Any:
    """The method wrapped in the fact checks: a ``FactChecked`` (itself a ``Similarity``)."""
    from claims.extract.similarity.checked import FactChecked

    return FactChecked(get_similarity(method, **options), threshold=threshold, fact_checks=fact_checks)


def _lexical(**options: Any) -> Similarity:
    from claims.extract.similarity.lexical import TokenF1Similarity

    return TokenF1Similarity(**{k: v for k, v in options.items() if k not in _SERVER_OPTIONS})


_SERVER_OPTIONS = ("model", "base_url", "api_key", "cache_dir", "cache", "jobs", "timeout", "max_attempts", "price_table")


def _embedding(**options: Any) -> Similarity:
    """wordllama offline unless a server is named (a base URL, or a model other than "wordllama")."""
    options.pop("price_table", None)
    if options.get("base_url") or (options.get("model") not in (None, "wordllama")):
        from claims.extract.similarity.endpoint import EndpointEmbedding

        return EndpointEmbedding(**options)
    from claims.extract.similarity.wordllama import WordLlamaEmbedding

    return WordLlamaEmbedding(**{k: v for k, v in options.items() if k not in _SERVER_OPTIONS})


def _judge(**options: Any) -> Similarity:
    from claims.extract.similarity.judge import JudgeSimilarity

    return JudgeSimilarity(**options)


def _register_builtins() -> None:
    for name, factory in (("lexical", _lexical), ("embedding", _embedding), ("judge", _judge)):
        _FACTORIES.setdefault(name, factory)

"""Lazy re-exports for package ``__init__`` modules: a package can name its public API
without importing it, so `import claims` and `claims --help` stay fast."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a module path, absolute or
    relative to ``package``) on first use and caches the value in ``namespace``."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where = exports[name]
        value = getattr(import_module(where if not where.startswith(".") else package + where), name)
        namespace[name] = value
        return value

    return __getattr__

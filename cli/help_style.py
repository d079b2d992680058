"""How `--help` names parameters. Typer 0.29 prints each parameter's Python type
(`<bool>` beside a flag, `<list[Path]>`, `<int range>`) and braces around a required
argument (`{inputs}...`): users read those as values to type (`--overwrite true` is
then taken for an input path). This module makes help read like a Unix command's:
flags show nothing, values show a short metavar (PATH, N, NUMBER, TEXT, a|b),
arguments their upper-case name. It changes presentation only, never parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

from typer.core import TyperArgument, TyperOption


def _metavar(annotation: Any) -> str:
    if get_origin(annotation) is list:
        return _metavar(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]  # Optional[X]
    if args:
        return _metavar(args[0])
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return ""
        if issubclass(annotation, Path):
            return "PATH"
        if issubclass(annotation, int):
            return "N"
        if issubclass(annotation, float):
            return "NUMBER"
    return "TEXT"


def _option_type(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag or self.count:
        return None
    if self.metavar is not None:
        return self.metavar
    desc = self.type_descriptor
    if desc.is_choice and desc.choices:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    name = _metavar(desc.annotation)
    return f"{name}..." if getattr(self, "multiple", False) or self.nargs != 1 else name


def _range(self: TyperOption) -> str | None:
    if self.min is not None and self.max is not None:
        return f"{self.min} to {self.max}"
    if self.min is not None:
        return f"at least {self.min}"
    if self.max is not None:
        return f"at most {self.max}"
    return None


def _argument_name(self: TyperArgument) -> str:
    return self.metavar or (self.name or "").upper()


def _argument_usage(self: TyperArgument) -> str:
    name = _argument_name(self) + ("..." if self.nargs != 1 else "")
    return name if self.required else f"[{name}]"


def apply() -> None:
    TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    TyperOption._get_number_range_help_str = _range  # type: ignore[method-assign]
    TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
    TyperArgument.display_name_raw = property(_argument_name)  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]

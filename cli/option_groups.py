"""Options that several commands share, declared once as a group.

A group's decorator adds its options to a command's signature (typer reads
``__signature__``) where the command names the group's parameter, and hands the
command one object built from them, so the commands cannot drift apart in flags,
defaults or help, and ``--help`` lists the options where the command declares them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

Command = Callable[..., Any]


def option_group(param: str, build: Callable[..., Any], options: Mapping[str, tuple[Any, Any]]) -> Callable[[Command], Command]:
    """A decorator for commands that take ``options`` ({name: (type, typer.Option)}) as one
    ``param``, built by ``build`` (a dataclass whose fields are the option names)."""
    if is_dataclass(build):
        assert set(options) == {f.name for f in fields(build)}, f"{param}: options and {build.__name__} differ"

    def decorate(command: Command) -> Command:
        sig = inspect.signature(command)
        if param not in sig.parameters:
            raise TypeError(f"{command.__name__} has no {param!r} parameter for its option group")
        group = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=kind)
                 for name, (kind, opt) in options.items()]

        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            value = build(**{name: kwargs.pop(name) for name in options})
            return command(**kwargs, **{param: value})

        params: list[inspect.Parameter] = []
        for p in sig.parameters.values():
            params.extend(group if p.name == param else [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)])
        run.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return run

    return decorate

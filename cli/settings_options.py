"""Command-line options for extraction settings: each option's default and help come
from ``ExtractionSettings`` (the one source of truth), and the parsed values go back
into it through ``settings_from``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from claims.kernel.errors import UserError
from claims.kernel.settings import ExtractionSettings, SettingsError, describe, make_settings

OPENAI = "OpenAI-compatible backend (--backend openai)"
_MODEL_DEFAULT = object()


def setting(field: str, *flags: str, default: Any = _MODEL_DEFAULT, panel: str | None = OPENAI, **kw: Any) -> Any:
    """A typer option for one settings field (default and help from the model; ``default=...``: required)."""
    if default is _MODEL_DEFAULT:
        default = ExtractionSettings.model_fields[field].default
    return typer.Option(default, *(flags or (f"--{field.replace('_', '-')}",)), help=kw.pop("help", None) or describe(field), rich_help_panel=panel, **kw)


def settings_from(params: dict[str, Any]) -> ExtractionSettings:
    """The settings among a command's parsed parameters (other parameters are ignored);
    a bad value is a usage error naming the option."""
    try:
        return make_settings(**{k: v for k, v in params.items() if k in ExtractionSettings.model_fields})
    except SettingsError as e:
        raise UserError(f"--{e.field.replace('_', '-')}: {e.problem}") from None


def gold_texts(gold: Path | None) -> dict[str, str] | None:
    """Texts that few-shot examples must not copy: the gold articles (default ./gold if present)."""
    from claims.extract.prompts import gold_texts_from_dir  # on demand: start-up time

    if gold is None:
        return gold_texts_from_dir(Path("gold")) if (Path("gold") / "articles").is_dir() else None
    if not (gold / "articles").is_dir():
        raise typer.BadParameter(f"{gold}: no articles/ folder", param_hint="--gold")
    return gold_texts_from_dir(gold)


GOLD_HELP = "Gold dir whose texts few-shot examples must not copy (default ./gold if present)."

"""`claims extract`, `claims show`, `claims schema`."""

from __future__ import annotations

import json

import typer


def schema_cmd(
    which: str = typer.Argument("model", help="model: what a model is asked to return (strict JSON Schema); run: one claims.jsonl line; gold: a gold file."),
) -> None:
    """Print a JSON Schema derived from the Pydantic models."""
    from ..schema import ArticleClaims, GoldArticle, ModelOutput, strict_json_schema

    if which == "model":
        out = strict_json_schema(ModelOutput)
    elif which == "run":
        out = ArticleClaims.model_json_schema()
    elif which == "gold":
        out = GoldArticle.model_json_schema()
    else:
        raise typer.BadParameter("choose model, run or gold", param_hint="WHICH")
    typer.echo(json.dumps(out, indent=2))


def register(app: typer.Typer) -> None:
    app.command("schema")(schema_cmd)

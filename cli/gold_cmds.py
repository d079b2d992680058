"""`claims gold check | spans | import-brat | export-brat | agreement`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

gold_app = typer.Typer(
    help="Check, repair, import and export hand-labelled gold (see gold/GUIDELINES.md).",
    no_args_is_help=True,
)


@gold_app.command("check")
def check_cmd(
    directory: Path = typer.Argument(Path("gold"), help="Gold directory (holds articles/ and optionally double/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print problems only, no OK summary."),
    as_json: bool = typer.Option(False, "--json", help="Print {files, claims, problems: [...]} as JSON."),
) -> None:
    """Validate every gold file: schema, enums, spans, span texts, hash pins, duplicates.

    Prints each problem as FILE:CLAIM: PROBLEM (CLAIM is 0-based, '-' for the file).
    Exit 0 when clean, 1 on any problem, 2 when the directory cannot be checked.
    """
    from claims.evals.gold_check import check_gold_dir

    res = check_gold_dir(directory)
    if as_json:
        typer.echo(json.dumps({"files": res.files, "claims": res.claims,
                               "problems": [str(p) for p in res.problems]}, indent=2))
    else:
        for p in res.problems:
            typer.echo(str(p))
        if not res.problems and not quiet:
            typer.echo(f"OK: {res.files} gold files, {res.claims} claims")
    raise typer.Exit(1 if res.problems else 0)


@gold_app.command("spans")
def spans_cmd(
    files: list[Path] = typer.Argument(..., help="Gold files to fill in or repair in place."),
    text: Path = typer.Option(None, "--text", help="Article text (default: <article_id>.txt beside the file, or in ../articles/)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Compute quote/claimant/cue spans from the quoted texts and re-pin the text hash.

    Spans that already cover their text are kept; a quote is searched near its old
    span, else at or after the previous claim's quote; claimant and cue in the
    quote's sentence first. A text that is not in the article is an error.
    """
    from claims.evals.gold import fill_spans_file

    for f in files:
        gold = fill_spans_file(f, text)
        if not quiet:
            typer.echo(f"{f}: {len(gold.claims)} claims, spans filled")


@gold_app.command("import-brat")
def import_brat_cmd(
    directory: Path = typer.Argument(..., help="Folder of brat .txt + .ann pairs."),
    output: Path = typer.Option(..., "-o", "--output", help="Gold directory to write (articles/<id>.txt, <id>.gold.yaml)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Turn brat Source/Cue/Content attributions into gold claims."""
    from claims.evals.brat import import_brat

    golds = import_brat(directory, output)
    if not quiet:
        n = sum(len(g.claims) for g in golds)
        typer.echo(f"imported {len(golds)} articles, {n} claims into {output}")


@gold_app.command("export-brat")
def export_brat_cmd(
    gold_dir: Path = typer.Argument(Path("gold"), help="Gold directory to export."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write <id>.txt + <id>.ann into."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Write gold claims as brat standoff (T Content/Source/Cue, R SOURCE/CUE, A labels)."""
    from claims.evals.brat import export_brat

    n = export_brat(gold_dir, output)
    if not quiet:
        typer.echo(f"exported {n} articles to {output}")


@gold_app.command("agreement")
def agreement_cmd(
    gold: Path = typer.Option(Path("gold"), "--gold", help="Gold directory with articles/ and double/."),
    detail: bool = typer.Option(False, "--detail", help="Also list every disagreement."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Agreement between independent label sets (gold/double/): claim F1, fields, kappa, quote spans."""
    from dataclasses import asdict

    from claims.evals.agreement import disagreements, double_agreement, render
    from claims.evals.gold import load_gold
    from claims.kernel.errors import UserError

    gs = load_gold(gold)
    if not gs.double:
        raise UserError(f"{gs.root}: no double-labelled articles in double/")
    rows = double_agreement(gs)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in rows], indent=2))
        return
    typer.echo(render(rows))
    if detail:
        typer.echo("\n".join(disagreements(gs)))


def register(app: typer.Typer) -> None:
    app.add_typer(gold_app, name="gold")

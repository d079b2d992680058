"""`claims gold check | spans | import-brat | export-brat | agreement | draft |
label-studio-config | export-label-studio | import-label-studio`."""

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


@gold_app.command("draft")
def draft_cmd(
    run: Path = typer.Argument(..., help="Run directory written by `claims extract` (holds claims.jsonl)."),
    output: Path = typer.Option(..., "-o", "--output", help="Gold directory to write drafts into (articles/<id>.txt, <id>.gold.yaml)."),
    articles: list[Path] = typer.Option(None, "--articles", help="The run's article inputs (default: the inputs named in its manifest)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing gold files with drafts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Gold drafts from a run, to correct in an editor, then `claims gold spans` and `claims gold check`.

    Ungrounded claims, and claimant or cue texts without a span, are left out and
    listed in each draft's notes. guideline_version is 'draft' until the labeller sets it.
    """
    from claims.evals.gold_draft import draft_gold

    golds = draft_gold(run, output, [str(a) for a in articles or []], overwrite=overwrite)
    if not quiet:
        left = sum(len(g.notes.splitlines()) for g in golds if g.notes)
        typer.echo(f"drafted {len(golds)} articles, {sum(len(g.claims) for g in golds)} claims into {output}"
                   + (f" ({left} items left out: see each file's notes)" if left else ""))


@gold_app.command("label-studio-config")
def label_studio_config_cmd(
    output: Path = typer.Option(None, "-o", "--output", help="Write the XML to this file instead of printing it."),
) -> None:
    """Print the Label Studio labelling interface (XML) for claims.

    Paste it into a project's Settings -> Labeling Interface -> Code, or send it as
    the project's label_config through the API. Spans Claim (the quote), Claimant and Cue; relations from a claim to its claimant
    and cue; per-claim statement, attribution, certainty, claimant type, name and role.
    """
    from claims.evals.labelstudio.config import label_config

    xml = label_config()
    if output is None:
        typer.echo(xml, nl=False)
    else:
        from claims.kernel.io import atomic_write_text

        atomic_write_text(output, xml)


@gold_app.command("export-label-studio")
def export_label_studio_cmd(
    source: Path = typer.Argument(..., help="A gold directory (articles/*.gold.yaml: review) or a run directory (claims.jsonl: drafting)."),
    output: Path = typer.Option(..., "-o", "--output", help="Tasks file to write (.json), for Label Studio's Import."),
    articles: list[Path] = typer.Option(None, "--articles", help="For a run: its article inputs (default: the inputs named in its manifest)."),
    no_predictions: bool = typer.Option(False, "--no-predictions", help="Tasks without pre-annotations (an independent second labelling)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print {tasks, claims, notes} as JSON."),
) -> None:
    """One Label Studio task per article, its claims as predictions (pre-annotations)."""
    from claims.evals.labelstudio.tasks import gold_tasks, run_tasks
    from claims.kernel.errors import UserError
    from claims.kernel.io import atomic_write_json
    from claims.kernel.rundir import is_run_dir

    if output.suffix.lower() != ".json":
        raise UserError(f"{output}: the tasks file is JSON; name it *.json")
    if is_run_dir(source):
        ts = run_tasks(source, [str(a) for a in articles or []], predictions=not no_predictions)
    else:
        ts = gold_tasks(source, predictions=not no_predictions)
    atomic_write_json(output, ts.tasks)
    if as_json:
        typer.echo(json.dumps({"tasks": len(ts.tasks), "claims": ts.claims, "notes": ts.notes}, indent=2))
    elif not quiet:
        for n in ts.notes:
            typer.echo(f"note: {n}", err=True)
        typer.echo(f"wrote {len(ts.tasks)} tasks ({ts.claims} claims as predictions) to {output}")


@gold_app.command("import-label-studio")
def import_label_studio_cmd(
    export: Path = typer.Argument(..., help="Label Studio's JSON export of the project (Export -> JSON)."),
    output: Path = typer.Option(..., "-o", "--output", help="Gold directory to write (articles/<id>.txt, <id>.gold.yaml, double/)."),
    labelled_by: str = typer.Option(None, "--labelled-by", help="labelled_by of every file (default: the task's own plus the Label Studio annotator)."),
    guideline_version: str = typer.Option(None, "--guideline-version", help="guideline_version of every file (default: the task's, else 'unspecified')."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print problems only."),
    as_json: bool = typer.Option(False, "--json", help="Print {tasks, annotations, articles, claims, double, agreement, notes, problems} as JSON."),
) -> None:
    """Turn Label Studio's JSON export into gold files (and double/ label sets).

    One annotation of a task -> articles/<id>.gold.yaml; several (independent
    labellers) -> double/<id>.a.yaml, .b.yaml, ... scored for agreement, plus the
    gold file from the one marked ground truth. Validated like `claims gold check`; each problem names the task, annotation and
    region, and nothing is written while there is one (exit 1).
    """
    from dataclasses import asdict

    from claims.evals.agreement import render
    from claims.evals.labelstudio.annotations import double_agreement_rows, import_label_studio

    imp = import_label_studio(export, output, labelled_by=labelled_by, guideline_version=guideline_version)
    rows = double_agreement_rows(imp, output) if not imp.problems else []
    if as_json:
        typer.echo(json.dumps({
            "tasks": imp.tasks, "annotations": imp.annotations, "articles": sorted(imp.gold), "claims": imp.claims,
            "double": sorted(imp.double), "agreement": [asdict(r) for r in rows],
            "notes": imp.notes, "problems": [str(p) for p in imp.problems],
        }, indent=2))
    else:
        for p in imp.problems:
            typer.echo(str(p))
        if not quiet and not imp.problems:
            for n in imp.notes:
                typer.echo(f"note: {n}", err=True)
            typer.echo(f"imported {len(imp.gold)} gold articles ({imp.claims} claims) and "
                       f"{sum(len(s) for s in imp.double.values())} double/ label sets into {output}")
            if rows:
                typer.echo(render(rows))
    raise typer.Exit(1 if imp.problems else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(gold_app, name="gold")

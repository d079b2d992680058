"""`claims export`: a run's claims as a Parquet table or as brat attribution files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from claims.kernel.errors import UserError

FORMATS = ("parquet", "brat")


def _format(output: Path, given: str | None) -> str:
    """``--format``, else from the output's extension: .parquet is a table, no extension a brat folder."""
    if given:
        if given not in FORMATS:
            raise UserError(f"--format {given!r}: expected one of {', '.join(FORMATS)}")
        return given
    if output.suffix.lower() == ".parquet":
        return "parquet"
    if not output.suffix or output.is_dir():
        return "brat"
    raise UserError(f"{output}: cannot tell the format from the extension {output.suffix!r}; pass --format parquet or --format brat")


def export_cmd(
    run_dir: Path = typer.Argument(..., help="A run directory (claims.jsonl)."),
    output: Path = typer.Option(..., "-o", "--output", help="Parquet file (one row per claim) or folder for brat files (<id>.txt + <id>.ann)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="parquet or brat (default: from -o: .parquet -> parquet, a folder -> brat)."),
    convention: str = typer.Option("claims", "--convention", help="brat span boundaries: claims (the run's own) or polnear (the PolNeAR corpus's)."),
    articles: Optional[list[Path]] = typer.Option(None, "--articles", help="brat: where the article texts are (default: the inputs in the run's manifest)."),
    batch_rows: int = typer.Option(10_000, "--batch-rows", min=1, help="Parquet: rows per row group (memory bound)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Export a run: Parquet (streamed; read with datasets.load_dataset("parquet", data_files=...)) or brat
    standoff, one .ann per article with Source/Cue/Content and an Attribution event per attributed claim."""
    if _format(output, fmt) == "brat":
        from claims.extract.export_brat import export_run_brat  # the run's records and texts: lazily, like every command

        counts = export_run_brat(run_dir, output, convention=convention, inputs=[str(p) for p in articles or []] or None)
        what = f"{counts['attributions']} attributions"
    else:
        from claims.extract.export import export_parquet  # pyarrow: only when exporting Parquet

        counts = export_parquet(run_dir, output, batch_rows=batch_rows)
        what = f"{counts['claims']} claims"
    if json_out:
        typer.echo(json.dumps({"output": str(output), **counts}))
    elif not quiet:
        typer.echo(f"{output}: {what} from {counts['articles']} articles", err=True)


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)

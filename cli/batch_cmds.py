"""`claims batch prepare|submit|status|collect|ingest` (`claims export` is in export_cmds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from claims.cli.job_output import finish_job, with_progress
from claims.cli.settings_options import GOLD_HELP, gold_texts, setting, settings_from

batch_app = typer.Typer(
    name="batch",
    help="Large offline jobs: OpenAI Batch API files (also read by `vllm run-batch`), submitted, collected and ingested into a run.",
    no_args_is_help=True,
)

SERVER = "Server"


def _client(base_url: str | None, timeout: float) -> Any:
    from claims.extract.batch import make_client

    return make_client(base_url=base_url, timeout=timeout)


def prepare_cmd(
    inputs: list[Path] = typer.Argument(..., help=".txt files, folders, .jsonl, .parquet/.json, or a saved Hugging Face dataset (streamed)."),
    output: Path = typer.Option(..., "-o", "--output", help="Request file to write (e.g. batch.jsonl); <name>.meta.json is written beside it."),
    model: str = setting("model", default=..., panel=None, help="Model name the requests ask for."),
    prompt: str = setting("prompt", panel=None, help="Single-stage prompt template ID or ID@VERSION."),
    prompts_dir: Optional[Path] = setting("prompts_dir", panel=None),
    mode: str = setting("mode", default="json_schema", panel=None, help="json_schema, json_object, tools or text (no auto: a batch cannot fall back)."),
    temperature: float = setting("temperature", panel=None),
    max_tokens: Optional[int] = setting("max_tokens", panel=None),
    seed: Optional[int] = setting("seed", panel=None),
    chunk_chars: int = setting("chunk_chars", panel=None),
    chunk_overlap: int = setting("chunk_overlap", panel=None),
    text_field: str = typer.Option("text", "--text-field", help="Text column/field for JSONL and datasets."),
    id_field: str = typer.Option("id", "--id-field", help="Id column/field for JSONL and datasets."),
    gold: Optional[Path] = typer.Option(None, "--gold", help=GOLD_HELP),
    allow_gold_overlap: bool = setting("allow_gold_overlap", panel=None),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write one Batch API request line per (article, chunk), with exactly the body a live run would send."""
    from claims.extract.batch import prepare
    from claims.kernel.articles import LoadOptions

    settings = settings_from({**locals(), "backend": "openai"})
    s = with_progress(quiet, "preparing", "articles", lambda tick: prepare(
        [str(i) for i in inputs], output, settings, load_options=LoadOptions(text_field=text_field, id_field=id_field),
        gold_texts=gold_texts(gold), on_progress=tick))
    info = {"batch": str(s.path), "meta": str(s.meta_path), "articles": s.articles, "requests": s.requests, "bytes": s.bytes, "skipped": s.skipped, "warnings": s.warnings}
    if json_out:
        typer.echo(json.dumps(info, indent=2))
    elif not quiet:
        typer.echo(f"{s.path}: {s.requests} requests for {s.articles} articles ({s.bytes / 2**20:.1f} MB); meta {s.meta_path}", err=True)
        if s.skipped:
            typer.echo(f"{s.skipped} articles could not be loaded (listed in the meta file; ingest records them as failures)", err=True)
    for w in s.warnings:
        typer.echo(f"warning: {w}", err=True)


def submit_cmd(
    batch_file: Path = typer.Argument(..., help="Request file written by `claims batch prepare`."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Server URL (default $OPENAI_BASE_URL, else OpenAI); key from $OPENAI_API_KEY.", rich_help_panel=SERVER),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds per API call (the upload may be large).", rich_help_panel=SERVER),
    json_out: bool = typer.Option(False, "--json", help="Print the state record as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the batch id."),
) -> None:
    """Upload the request file and create a batch (24h window); prints the batch id and writes <name>.state.json."""
    from claims.extract.batch import state_path_for, submit

    state = submit(_client(base_url, timeout), batch_file)
    if json_out:
        typer.echo(json.dumps(state, indent=2))
        return
    typer.echo(state["batch_id"])
    if not quiet:
        typer.echo(f"submitted {batch_file} as {state['batch_id']} ({state['status']}); state in {state_path_for(batch_file)}", err=True)
        typer.echo(f"next: claims batch status {state['batch_id']} --wait && claims batch collect {state['batch_id']} -o results.jsonl", err=True)


def status_cmd(
    batch: str = typer.Argument(..., help="Batch id, or the <name>.state.json that submit wrote."),
    wait: bool = typer.Option(False, "--wait", help="Poll until the batch is completed, failed, expired or cancelled."),
    poll_seconds: float = typer.Option(30.0, "--poll-seconds", min=0.0, help="Seconds between polls with --wait."),
    wait_timeout: Optional[float] = typer.Option(None, "--wait-timeout", help="Give up waiting after this many seconds."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Server URL (default $OPENAI_BASE_URL, else OpenAI).", rich_help_panel=SERVER),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds per API call.", rich_help_panel=SERVER),
    json_out: bool = typer.Option(False, "--json", help="Print the status as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing; the exit code tells."),
) -> None:
    """Print a batch's status and request counts. Exit 1 when it failed, expired or was cancelled."""
    from claims.extract.batch import resolve_batch_id, status
    from claims.extract.batch import wait as wait_for

    client = _client(base_url, timeout)
    bid = resolve_batch_id(batch)
    if wait:
        show = None if (quiet or json_out) else (lambda st: typer.echo(_line(st), err=True))
        st = wait_for(client, bid, poll_seconds=poll_seconds, timeout=wait_timeout, on_poll=show)
    else:
        st = status(client, bid)
    if json_out:
        typer.echo(json.dumps(st, indent=2))
    elif not quiet and not wait:
        typer.echo(_line(st))
    raise typer.Exit(1 if st["status"] in ("failed", "expired", "cancelled") else 0)


def _line(st: dict[str, Any]) -> str:
    c = st["request_counts"]
    line = f"{st['id']}: {st['status']} ({c.get('completed') or 0} completed, {c.get('failed') or 0} failed of {c.get('total') or 0})"
    errs = (st.get("errors") or {}).get("data") if isinstance(st.get("errors"), dict) else None
    if errs:
        line += "; " + "; ".join(str(e.get("message")) for e in errs[:3])
    return line


def collect_cmd(
    batch: str = typer.Argument(..., help="Batch id, or the <name>.state.json that submit wrote."),
    output: Path = typer.Option(..., "-o", "--output", help="Results file: the output file's lines, then the error file's."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Server URL (default $OPENAI_BASE_URL, else OpenAI).", rich_help_panel=SERVER),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds per API call.", rich_help_panel=SERVER),
    json_out: bool = typer.Option(False, "--json", help="Print the status and line counts as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Download a finished batch's results (output and error files, streamed) into one file."""
    from claims.extract.batch import collect, resolve_batch_id

    info = collect(_client(base_url, timeout), resolve_batch_id(batch), output)
    if json_out:
        typer.echo(json.dumps(info, indent=2))
    elif not quiet:
        typer.echo(f"{output}: {info['output_lines']} answers, {info['error_lines']} failed requests (batch {info['status']})", err=True)
        typer.echo(f"next: claims batch ingest {output} -o RUN_DIR", err=True)


def ingest_cmd(
    results: list[Path] = typer.Argument(..., help="Results file(s): OpenAI batch output/error files or `vllm run-batch` output."),
    output: Path = typer.Option(..., "-o", "--output", help="Run directory (claims.jsonl, failures.jsonl, manifest.json)."),
    meta: Optional[Path] = typer.Option(None, "--meta", help="The <name>.meta.json from prepare (default: the one *.meta.json beside the results)."),
    articles: Optional[list[Path]] = typer.Option(None, "--articles", help="Article inputs, when they moved since prepare (default: the meta's inputs)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start over instead of adding to an existing run directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Turn batch results into a normal run: validated, grounded, deduplicated, failures recorded.

    Re-running into the same RUN_DIR skips articles already done. Exit 0 when every
    article succeeded, 1 when some failed (see failures.jsonl), 2 on bad input.
    """
    from claims.extract.batch import ingest

    command = ["claims", *sys.argv[1:]]
    summary = with_progress(quiet, "ingesting", "articles", lambda tick: ingest(
        list(results), output, meta_path=meta, articles=articles or None, overwrite=overwrite, command=command,
        on_progress=tick))
    finish_job(summary, output, json_out=json_out, quiet=quiet, command=command)


def register(app: typer.Typer) -> None:
    batch_app.command("prepare")(prepare_cmd)
    batch_app.command("submit")(submit_cmd)
    batch_app.command("status")(status_cmd)
    batch_app.command("collect")(collect_cmd)
    batch_app.command("ingest")(ingest_cmd)
    app.add_typer(batch_app, name="batch")

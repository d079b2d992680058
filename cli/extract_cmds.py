"""`claims extract`, `claims show`, `claims schema`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from claims.cli.settings_options import GOLD_HELP, OPENAI, gold_texts, setting, settings_from

if TYPE_CHECKING:
    from claims.kernel.settings import ExtractionSettings

RAY = "Ray engine (--engine ray)"


def extract_cmd(
    inputs: list[Path] = typer.Argument(..., help=".txt files, folders of .txt, .jsonl, .parquet/.json, or a saved Hugging Face dataset directory."),
    output: Path = typer.Option(..., "-o", "--output", help="Run directory (claims.jsonl, failures.jsonl, manifest.json)."),
    backend: str = setting("backend", "--backend", "-b", panel=None),
    jobs: int = setting("jobs", "--jobs", "-j", min=1, panel=None),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start over instead of resuming an existing run directory."),
    text_field: str = typer.Option("text", "--text-field", help="Text column/field for JSONL and datasets."),
    id_field: str = typer.Option("id", "--id-field", help="Id column/field for JSONL and datasets."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON on stdout."),
    model: Optional[str] = setting("model"),
    base_url: Optional[str] = setting("base_url"),
    prompt: str = setting("prompt"),
    prompts_dir: Optional[Path] = setting("prompts_dir"),
    mode: str = setting("mode"),
    temperature: float = setting("temperature"),
    max_tokens: Optional[int] = setting("max_tokens"),
    seed: Optional[int] = setting("seed"),
    timeout: float = setting("timeout"),
    max_attempts: int = setting("max_attempts"),
    max_reasks: int = setting("max_reasks"),
    chunk_chars: int = setting("chunk_chars"),
    chunk_overlap: int = setting("chunk_overlap"),
    cache: str = setting("cache"),
    cache_dir: Path = setting("cache_dir"),
    rpm: Optional[float] = setting("rpm"),
    tpm: Optional[float] = setting("tpm"),
    max_requests: Optional[int] = setting("max_requests"),
    max_tokens_total: Optional[int] = setting("max_tokens_total"),
    price_table: Optional[Path] = typer.Option(None, "--price-table", help="JSON {model: {prompt: $/1M, completion: $/1M}} for cost in the manifest.", rich_help_panel=OPENAI),
    gold: Optional[Path] = typer.Option(None, "--gold", help=GOLD_HELP, rich_help_panel=OPENAI),
    allow_gold_overlap: bool = setting("allow_gold_overlap"),
    max_article_chars: int = setting("max_article_chars", min=1),
    backoff_base: float = setting("backoff_base", hidden=True),
    backoff_max: float = setting("backoff_max", hidden=True),
    engine: str = typer.Option("local", "--engine", help="local (this process) or ray (actors on a Ray cluster; needs the ray extra).", rich_help_panel=RAY),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join (ray://host:10001, auto); default: start a local one.", rich_help_panel=RAY),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes (local; default for an LLM backend: one per 64 --jobs, at most one per CPU; else 1) or Ray actors (default: the cluster's CPUs), one backend each; --jobs, --rpm/--tpm and budgets are split among them.", rich_help_panel=RAY),
) -> None:
    """Extract claims from articles into a run directory; re-running resumes.

    Exit 0 when every article succeeded, 1 when some failed (see failures.jsonl),
    2 when the job could not run.
    """
    from claims.cli.job_output import finish_job, with_progress
    from claims.extract.backends import build_backend
    from claims.extract.jobs import JobSummary
    from claims.extract.pricing import cost
    from claims.kernel.articles import LoadOptions
    from claims.kernel.redact import known_secrets

    settings = settings_from(locals())
    price: dict | None = None
    runtime: dict = {}
    if settings.is_llm:
        if not model:
            raise typer.BadParameter("--model is required with --backend openai", param_hint="--model")
        if price_table:
            try:
                price = json.loads(price_table.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise typer.BadParameter(f"{price_table}: {e}", param_hint="--price-table") from None
        runtime = {"gold_texts": gold_texts(gold), "price_table": price}
    be = build_backend(settings, **runtime)

    def extra(m: dict) -> dict:
        stats = getattr(be, "run_stats", None)
        if callable(stats):
            m["backend_stats"] = stats()
        if price is not None and model:
            m["cost_usd"] = cost(m["usage"], model, price)  # every session's usage, not just this one's
        return m

    command = ["claims", *sys.argv[1:]]
    job_class, engine_fields = engine_job(engine, ray_address, workers, settings)
    job = job_class(
        inputs=[str(i) for i in inputs], run_dir=output, backend=be, jobs=jobs, overwrite=overwrite,
        load_options=LoadOptions(text_field=text_field, id_field=id_field), command=command,
        secrets=known_secrets(), manifest_extra=extra, settings=settings, **engine_fields,
    )

    def run(tick: Callable[[int], None] | None) -> JobSummary:
        job.on_progress = tick
        return job.run()

    summary = with_progress(quiet, f"extracting ({backend})", "articles", run)
    finish_job(summary, output, json_out=json_out, quiet=quiet, command=command)


def engine_job(engine: str, ray_address: str | None, workers: int | None, settings: ExtractionSettings) -> tuple[type, dict]:
    """The job class for ``--engine`` and its own fields (not settings: the engine changes how
    a job runs, never its answers, so a run started on one engine resumes on the other).
    The local engine is one process unless ``--workers`` or an LLM job's ``--jobs`` asks for more."""
    from claims.extract.engines import ENGINES
    from claims.extract.jobs import Job

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose {' or '.join(ENGINES)}", param_hint="--engine")
    if engine == "local":
        if ray_address:
            raise typer.BadParameter("--ray-address needs --engine ray", param_hint="--ray-address")
        from claims.extract.engines.processes import ProcessJob, default_workers

        n = workers or default_workers(settings.jobs, settings.is_llm)
        return (ProcessJob, {"workers": n}) if n > 1 else (Job, {})
    from claims.extract.engines.ray import RayJob  # Ray itself is imported when the job starts

    return RayJob, {"address": ray_address, "workers": workers}


def show_cmd(
    run_dir: Path = typer.Argument(..., help="A run directory written by `claims extract`."),
    article: Optional[str] = typer.Option(None, "--article", "-a", help="Only this article id (the other lines are skipped unparsed)."),
    json_out: bool = typer.Option(False, "--json", help="Print the records as JSON lines."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the listing to a file."),
) -> None:
    """Print a readable listing of a run's claims and failures, record by record as it reads them."""
    from claims.cli.job_output import line_output
    from claims.kernel.errors import UserError
    from claims.kernel.rundir import CLAIMS, is_run_dir, iter_failures, iter_records

    if not is_run_dir(run_dir):
        raise UserError(f"{run_dir}: not a run directory (no {CLAIMS})")
    only = {article} if article else None
    found = False
    with line_output(output) as write:
        for ac in iter_records(run_dir, only=only):
            found = True
            for line in [ac.model_dump_json()] if json_out else _record_listing(ac):
                write(line)
        for f in iter_failures(run_dir, only=only):
            found = True
            write(f.model_dump_json() if json_out else f"!! {f.article_id}: {f.stage}/{f.error}: {f.message}")
        if article and not found:
            raise UserError(f"{run_dir}: no article {article!r}")


def _record_listing(ac: Any) -> Iterator[str]:
    yield f"== {ac.article_id}  {ac.title or ''}".rstrip()
    yield f"   {len(ac.claims)} claims · backend {ac.provenance.backend}" + (f" · model {ac.provenance.model}" if ac.provenance.model else "")
    for i, c in enumerate(ac.claims, 1):
        who = c.claimant.name or c.claimant.text or c.claimant.type.value
        span = f"[{c.quote_span.start}:{c.quote_span.end}]" if c.quote_span else "[ungrounded]"
        cue = f" «{c.cue.text}»" if c.cue else ""
        yield f"{i:>4}. {who} ({c.claimant.type.value}){cue} · {c.attribution.value if c.attribution else '?'} · {c.certainty.value if c.certainty else '?'} {span}"
        yield f"      {c.statement}"
        if c.quote != c.statement:
            yield f"      quote: {c.quote!r}"


def schema_cmd(
    which: str = typer.Argument("model", help="model: what a model is asked to return (strict JSON Schema); run: one claims.jsonl line; gold: a gold file."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to a file instead of stdout."),
) -> None:
    """Print a JSON Schema derived from the Pydantic models."""
    from claims.cli.job_output import echo_or_write
    from claims.kernel.schema import ArticleClaims, GoldArticle, ModelOutput, strict_json_schema

    schemas = {
        "model": lambda: strict_json_schema(ModelOutput),
        "run": ArticleClaims.model_json_schema,
        "gold": GoldArticle.model_json_schema,
    }
    if which not in schemas:
        raise typer.BadParameter("choose model, run or gold", param_hint="WHICH")
    echo_or_write(json.dumps(schemas[which](), indent=2), output)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract_cmd)
    app.command("show")(show_cmd)
    app.command("schema")(schema_cmd)

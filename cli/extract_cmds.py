"""`claims extract`, `claims show`, `claims schema`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer

OPENAI = "OpenAI-compatible backend (--backend openai)"


def extract_cmd(
    inputs: list[Path] = typer.Argument(..., help=".txt files, folders of .txt, .jsonl, .parquet/.json, or a saved Hugging Face dataset directory."),
    output: Path = typer.Option(..., "-o", "--output", help="Run directory (claims.jsonl, failures.jsonl, manifest.json)."),
    backend: str = typer.Option("rules", "--backend", "-b", help="rules (offline default), sentences (trivial floor) or openai."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Articles processed at once."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start over instead of resuming an existing run directory."),
    text_field: str = typer.Option("text", "--text-field", help="Text column/field for JSONL and datasets."),
    id_field: str = typer.Option("id", "--id-field", help="Id column/field for JSONL and datasets."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON on stdout."),
    model: Optional[str] = typer.Option(None, "--model", help="Model name.", rich_help_panel=OPENAI),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Server URL (default $OPENAI_BASE_URL, else OpenAI).", rich_help_panel=OPENAI),
    prompt: str = typer.Option("claims-direct", "--prompt", help="Prompt template ID or ID@VERSION.", rich_help_panel=OPENAI),
    prompts_dir: Optional[Path] = typer.Option(None, "--prompts-dir", help="Folder of prompt templates (default ./prompts, else bundled).", rich_help_panel=OPENAI),
    mode: str = typer.Option("auto", "--mode", help="json_schema, json_object, tools, text or auto (falls back when refused).", rich_help_panel=OPENAI),
    temperature: float = typer.Option(0.0, "--temperature", rich_help_panel=OPENAI),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Completion token limit per request.", rich_help_panel=OPENAI),
    seed: Optional[int] = typer.Option(None, "--seed", rich_help_panel=OPENAI),
    timeout: float = typer.Option(60.0, "--timeout", help="Seconds per request.", rich_help_panel=OPENAI),
    max_attempts: int = typer.Option(6, "--max-attempts", help="Attempts per request on 429/5xx/timeouts.", rich_help_panel=OPENAI),
    max_reasks: int = typer.Option(2, "--max-reasks", help="Re-asks after an invalid answer.", rich_help_panel=OPENAI),
    chunk_chars: int = typer.Option(6000, "--chunk-chars", help="Longest chunk sent at once.", rich_help_panel=OPENAI),
    chunk_overlap: int = typer.Option(500, "--chunk-overlap", rich_help_panel=OPENAI),
    cache: str = typer.Option("on", "--cache", help="on, off, refresh or replay (answer only from the cache).", rich_help_panel=OPENAI),
    cache_dir: Path = typer.Option(Path(".claims-cache"), "--cache-dir", rich_help_panel=OPENAI),
    rpm: Optional[float] = typer.Option(None, "--rpm", help="Requests per minute limit.", rich_help_panel=OPENAI),
    tpm: Optional[float] = typer.Option(None, "--tpm", help="Tokens per minute limit.", rich_help_panel=OPENAI),
    max_requests: Optional[int] = typer.Option(None, "--max-requests", help="Budget: stop cleanly after this many requests.", rich_help_panel=OPENAI),
    max_tokens_total: Optional[int] = typer.Option(None, "--max-tokens-total", help="Budget: stop cleanly after this many tokens.", rich_help_panel=OPENAI),
    price_table: Optional[Path] = typer.Option(None, "--price-table", help="JSON {model: {prompt: $/1M, completion: $/1M}} for cost in the manifest.", rich_help_panel=OPENAI),
    gold: Optional[Path] = typer.Option(None, "--gold", help="Gold dir whose texts few-shot examples must not copy (default ./gold if present).", rich_help_panel=OPENAI),
    allow_gold_overlap: bool = typer.Option(False, "--allow-gold-overlap", help="Use a template whose examples overlap gold texts.", rich_help_panel=OPENAI),
    max_article_chars: int = typer.Option(1_000_000, "--max-article-chars", min=1, help="Longest article sent (longer ones are recorded failures).", rich_help_panel=OPENAI),
    backoff_base: float = typer.Option(0.5, "--backoff-base", hidden=True, help="Seconds of the first retry backoff (tests)."),
    backoff_max: float = typer.Option(30.0, "--backoff-max", hidden=True, help="Longest retry backoff in seconds (tests)."),
) -> None:
    """Extract claims from articles into a run directory; re-running resumes.

    Exit 0 when every article succeeded, 1 when some failed (see failures.jsonl),
    2 when the job could not run.
    """
    from claims.kernel.articles import LoadOptions
    from claims.extract.backends import get_backend
    from claims.extract.jobs import Job, JobSummary
    from claims.kernel.redact import known_secrets
    from claims.cli.job_output import finish_job, with_progress

    options: dict = {}
    price: dict | None = None
    if backend == "openai":
        if not model:
            raise typer.BadParameter("--model is required with --backend openai", param_hint="--model")
        if price_table:
            try:
                price = json.loads(price_table.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise typer.BadParameter(f"{price_table}: {e}", param_hint="--price-table") from None
        options = dict(
            model=model, base_url=base_url, prompt=prompt, prompts_dir=prompts_dir, mode=mode,
            temperature=temperature, max_tokens=max_tokens, seed=seed, timeout=timeout,
            max_attempts=max_attempts, max_reasks=max_reasks, chunk_chars=chunk_chars,
            chunk_overlap=chunk_overlap, cache=cache, cache_dir=cache_dir, rpm=rpm, tpm=tpm,
            max_requests=max_requests, max_tokens_total=max_tokens_total, concurrency=jobs,
            gold_texts=_gold_texts(gold), allow_gold_overlap=allow_gold_overlap,
            backoff_base=backoff_base, backoff_max=backoff_max, max_article_chars=max_article_chars,
        )
    try:
        be = get_backend(backend, **options)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--backend") from None

    def extra(m: dict) -> dict:
        stats = getattr(be, "run_stats", None)
        if callable(stats):
            m["backend_stats"] = stats()
        if price is not None and model:
            from claims.extract.pricing import cost

            m["cost_usd"] = cost(m["usage"], model, price)
        return m

    command = ["claims", *sys.argv[1:]]
    job = Job(
        inputs=[str(i) for i in inputs], run_dir=output, backend=be, jobs=jobs, overwrite=overwrite,
        load_options=LoadOptions(text_field=text_field, id_field=id_field), command=command,
        secrets=known_secrets(), manifest_extra=extra,
    )

    def run(tick: Callable[[int], None] | None) -> JobSummary:
        job.on_progress = tick
        return job.run()

    summary = with_progress(quiet, f"extracting ({backend})", "articles", run)
    finish_job(summary, output, json_out=json_out, quiet=quiet, command=command)


def _gold_texts(gold: Path | None) -> dict[str, str] | None:
    """Texts that few-shot examples must not copy: the gold articles."""
    from claims.kernel.articles import iter_articles, Article

    folder = (gold or Path("gold")) / "articles"
    if not folder.is_dir():
        if gold:
            raise typer.BadParameter(f"{gold}: no articles/ folder", param_hint="--gold")
        return None
    return {a.id: a.text for a in iter_articles([folder]) if isinstance(a, Article)}


def show_cmd(
    run_dir: Path = typer.Argument(..., help="A run directory written by `claims extract`."),
    article: Optional[str] = typer.Option(None, "--article", "-a", help="Only this article id."),
    json_out: bool = typer.Option(False, "--json", help="Print the records as JSON lines."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the listing to a file."),
) -> None:
    """Print a readable listing of a run's claims and failures."""
    from claims.kernel.errors import UserError
    from claims.extract.jobs import CLAIMS, iter_failures, iter_run
    from claims.cli.job_output import echo_or_write

    if not (run_dir / CLAIMS).exists():
        raise UserError(f"{run_dir}: not a run directory (no {CLAIMS})")
    lines: list[str] = []
    found = False
    for ac in iter_run(run_dir):
        if article and ac.article_id != article:
            continue
        found = True
        if json_out:
            lines.append(ac.model_dump_json())
            continue
        lines.append(f"== {ac.article_id}  {ac.title or ''}".rstrip())
        lines.append(f"   {len(ac.claims)} claims · backend {ac.provenance.backend}" + (f" · model {ac.provenance.model}" if ac.provenance.model else ""))
        for i, c in enumerate(ac.claims, 1):
            who = c.claimant.name or c.claimant.text or c.claimant.type.value
            span = f"[{c.quote_span.start}:{c.quote_span.end}]" if c.quote_span else "[ungrounded]"
            cue = f" «{c.cue.text}»" if c.cue else ""
            lines.append(f"{i:>4}. {who} ({c.claimant.type.value}){cue} · {c.attribution.value if c.attribution else '?'} · {c.certainty.value if c.certainty else '?'} {span}")
            lines.append(f"      {c.statement}")
            if c.quote != c.statement:
                lines.append(f"      quote: {c.quote!r}")
    for f in iter_failures(run_dir):
        if article and f.article_id != article:
            continue
        found = True
        lines.append(f.model_dump_json() if json_out else f"!! {f.article_id}: {f.stage}/{f.error}: {f.message}")
    if article and not found:
        raise UserError(f"{run_dir}: no article {article!r}")
    echo_or_write("\n".join(lines), output)


def schema_cmd(
    which: str = typer.Argument("model", help="model: what a model is asked to return (strict JSON Schema); run: one claims.jsonl line; gold: a gold file."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to a file instead of stdout."),
) -> None:
    """Print a JSON Schema derived from the Pydantic models."""
    from claims.kernel.schema import ArticleClaims, GoldArticle, ModelOutput, strict_json_schema
    from claims.cli.job_output import echo_or_write

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

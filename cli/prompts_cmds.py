"""`claims prompts list|show|render|check`: inspect versioned prompt templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

prompts_app = typer.Typer(
    help="Inspect prompt templates: list, show, render the exact messages, check few-shot examples against gold.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_DIR_HELP = "Prompts folder (default: ./prompts if present, else the copy bundled with the package)."


@prompts_app.command("list")
def list_cmd(
    prompts_dir: Optional[Path] = typer.Option(None, "--prompts-dir", help=_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List every template version: id, version, stages, content hash, description."""
    from claims.extract.prompts import list_templates

    templates = list_templates(prompts_dir)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": t.id,
                        "version": t.version,
                        "sha256": t.sha256,
                        "stages": [{"name": s.name, "output": s.output} for s in t.stages],
                        "description": t.description,
                        "path": str(t.path),
                    }
                    for t in templates
                ],
                indent=2,
            )
        )
        return
    for t in templates:
        stages = " -> ".join(s.name for s in t.stages)
        typer.echo(f"{t.id}@{t.version}  {t.sha256[:12]}  [{stages}]  {t.description}")


@prompts_app.command("show")
def show_cmd(
    ref: str = typer.Argument(..., help="ID or ID@VERSION (latest version when omitted)."),
    prompts_dir: Optional[Path] = typer.Option(None, "--prompts-dir", help=_DIR_HELP),
) -> None:
    """Print the template file, its example files and the content hash."""
    from claims.extract.prompts import load_template

    t = load_template(ref, prompts_dir)
    typer.echo(f"# {t.id}@{t.version}  sha256 {t.sha256}")
    for path in [t.path, *t.example_paths]:
        typer.echo(f"\n# ---- {path}")
        typer.echo(path.read_text(encoding="utf-8").rstrip("\n"))


@prompts_app.command("render")
def render_cmd(
    ref: str = typer.Argument(..., help="ID or ID@VERSION."),
    article: Path = typer.Option(..., "--article", help="Article file (.txt, or .jsonl with --id)."),
    stage: Optional[str] = typer.Option(None, "--stage", help="Stage to render (default: the first)."),
    article_id: Optional[str] = typer.Option(None, "--id", help="Which article of a multi-article input."),
    max_chars: int = typer.Option(6000, "--max-chars", min=200, help="Chunk size; the first chunk is rendered."),
    prompts_dir: Optional[Path] = typer.Option(None, "--prompts-dir", help=_DIR_HELP),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the JSON here instead of stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No notes on stderr."),
) -> None:
    """Print, as JSON, exactly the chat messages that would be sent for the article's first chunk.

    Later stages of a staged template need the earlier stages' answers; they are
    rendered with a placeholder (the first sentences of the chunk), and a note on
    stderr says so.
    """
    from claims.cli.job_output import echo_or_write
    from claims.extract.chunking import chunk_text
    from claims.extract.prompts import OUTPUT_MODELS, load_template
    from claims.kernel.articles import InputError, load_articles
    from claims.kernel.schema import ModelOutput, ModelSelection
    from claims.kernel.segment import sentences

    t = load_template(ref, prompts_dir)
    st = t.stage(stage) if stage else t.stages[0]
    articles = load_articles([article])
    if article_id is not None:
        articles = [a for a in articles if a.id == article_id]
        if not articles:
            raise InputError(f"{article}: no article with id {article_id!r}")
    elif len(articles) > 1 and not quiet:
        typer.echo(f"note: {article} holds {len(articles)} articles; rendering the first ({articles[0].id}); use --id", err=True)
    art = articles[0]
    chunks = chunk_text(art.text, max_chars=max_chars)
    chunk_txt = chunks[0].text(art.text)
    context: dict = {"article_text": chunk_txt, "title": art.title, "article_id": art.id}
    placeholder = [chunk_txt[s:e] for s, e in sentences(chunk_txt)[:3]]
    for name, kind in st.previous:
        if kind == "selection":
            context[name] = ModelSelection(sentences=placeholder)
        else:
            context[name] = ModelOutput(claims=[])
        if not quiet:
            typer.echo(
                f"note: stage {st.name!r} rendered with a PLACEHOLDER {OUTPUT_MODELS[kind].__name__} for stage {name!r} "
                "(the chunk's first sentences); a real run uses that stage's answer",
                err=True,
            )
    if len(chunks) > 1 and not quiet:
        typer.echo(f"note: the article has {len(chunks)} chunks of <= {max_chars} characters; rendering chunk 1", err=True)
    messages = st.render(context)
    echo_or_write(json.dumps(messages, indent=2, ensure_ascii=False), output)


@prompts_app.command("check")
def check_cmd(
    refs: Optional[list[str]] = typer.Argument(None, help="Templates to check (default: every version of every template)."),
    gold: Optional[Path] = typer.Option(None, "--gold", help="Gold folder whose articles the examples must not copy (default: ./gold)."),
    min_overlap: int = typer.Option(60, "--min-overlap", min=10, help="Shared characters (after normalisation) that count as copying."),
    prompts_dir: Optional[Path] = typer.Option(None, "--prompts-dir", help=_DIR_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print problems only."),
) -> None:
    """Validate templates and refuse few-shot examples that copy gold articles (exit 1 on problems)."""
    from claims.extract.prompts import PromptError, check_examples_against_gold, gold_texts_from_dir, list_templates, load_template

    templates = [load_template(r, prompts_dir) for r in refs] if refs else list_templates(prompts_dir)
    gold_dir = gold if gold is not None else Path("gold")
    if gold is None and not gold_dir.is_dir():
        raise PromptError("no ./gold folder; pass --gold DIR")
    texts = gold_texts_from_dir(gold_dir)
    if not texts:
        raise PromptError(f"{gold_dir}: no gold articles (*.txt) found")
    bad = 0
    for t in templates:
        problems = check_examples_against_gold(t, texts, min_overlap=min_overlap)
        bad += len(problems)
        for p in problems:
            typer.echo(f"{t.id}@{t.version}: {p}")
        if not problems and not quiet:
            typer.echo(f"{t.id}@{t.version}: ok ({len(t.example_paths)} examples, {len(texts)} gold articles)")
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(prompts_app, name="prompts")

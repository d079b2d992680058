"""``claims batch prepare``: the Batch API request file and its meta file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims.extract.batch.ids import ENDPOINT, META_FORMAT, META_VERSION, BatchError, encode_custom_id, meta_path_for
from claims.extract.chunking import chunk_text
from claims.extract.pipeline import chunk_context, default_max_tokens
from claims.extract.prompts import load_template, refuse_gold_overlap
from claims.extract.providers.chat import build_request_body
from claims.kernel.articles import LoadFailure, LoadOptions, iter_articles
from claims.kernel.io import atomic_output, atomic_write_json
from claims.kernel.rundir import now
from claims.kernel.settings import OUTPUT_MODES, ExtractionSettings
from claims.kernel.version import __version__

# OpenAI's per-batch limits; vLLM has none. Exceeding them is a warning, not an error.
OPENAI_MAX_REQUESTS = 50_000
OPENAI_MAX_BYTES = 200 * 1024 * 1024


@dataclass
class PrepareSummary:
    path: Path
    meta_path: Path
    articles: int = 0
    requests: int = 0
    bytes: int = 0
    skipped: int = 0  # articles that could not be loaded (recorded in the meta; ingest records them as failures)
    warnings: list[str] = field(default_factory=list)


def prepare(
    inputs: Iterable[str | Path],
    out_path: str | Path,
    settings: ExtractionSettings,
    *,
    load_options: LoadOptions | None = None,
    gold_texts: dict[str, str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PrepareSummary:
    """Write the Batch API request file and its meta file; articles are streamed, never all in memory.

    Both files are written to temporary names and renamed at the end, so a killed
    prepare leaves no half-written batch behind.
    """
    s = settings
    model, mode = s.model, s.mode
    if not model:
        raise BatchError("a batch needs a model name (--model)")
    if mode == "auto":
        raise BatchError(f"output mode auto cannot fall back offline: pick the mode the server supports ({', '.join(OUTPUT_MODES)})")
    template = load_template(s.prompt, s.prompts_dir)
    if len(template.stages) != 1:
        raise BatchError(
            f"prompt {template.id}@{template.version} has {len(template.stages)} stages "
            f"({', '.join(s.name for s in template.stages)}); a batch is one request per chunk, and a later stage "
            "needs the earlier stage's answer: use a single-stage template (e.g. claims-direct) or run it live"
        )
    stage = template.stages[0]  # the last stage too: load_template makes it produce claims
    if gold_texts and not s.allow_gold_overlap:
        refuse_gold_overlap(template, gold_texts, s.prompt, "--allow-gold-overlap")
    inputs = list(inputs)
    opts = load_options or LoadOptions()
    out = Path(out_path)
    meta_path = meta_path_for(out)
    summary = PrepareSummary(path=out, meta_path=meta_path)
    articles: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    with atomic_output(out) as tmp:  # renamed after the meta file is written
        with open(tmp, "wb") as fh:
            for item in iter_articles(inputs, opts):
                if isinstance(item, LoadFailure):
                    skipped.append({"article_id": item.article_id, "error": item.error, "message": item.message})
                    summary.skipped += 1
                    continue
                chunks = chunk_text(item.text, s.chunk_chars, s.chunk_overlap)
                for i, chunk in enumerate(chunks):
                    body = build_request_body(
                        model=model, messages=stage.render(chunk_context(item, chunk)), mode=mode, output_model=stage.output_model,
                        temperature=s.temperature, max_tokens=s.max_tokens or default_max_tokens(chunk.end - chunk.start), seed=s.seed,
                    )
                    line = json.dumps(
                        {"custom_id": encode_custom_id(item.id, i), "method": "POST", "url": ENDPOINT, "body": body},
                        ensure_ascii=False,
                    ).encode("utf-8") + b"\n"
                    fh.write(line)
                    summary.bytes += len(line)
                    summary.requests += 1
                articles[item.id] = {"sha256": item.sha256, "chunks": [[c.start, c.end] for c in chunks]}
                summary.articles += 1
                if on_progress:
                    on_progress(summary.articles)
            fh.flush()
            os.fsync(fh.fileno())
        if summary.requests == 0:
            raise BatchError("no articles to batch (every input article failed to load)" if skipped else "no articles to batch")
        meta = {
            "format": META_FORMAT,
            "version": META_VERSION,
            "created_at": now(),
            "toolkit_version": __version__,
            "batch_file": out.name,
            "endpoint": ENDPOINT,
            "custom_id_scheme": "percent-encoded article id (urllib.parse.quote, safe='') + '::' + zero-based chunk index",
            "inputs": [str(Path(i).resolve()) for i in inputs],
            "load_options": {"text_field": opts.text_field, "id_field": opts.id_field, "title_field": opts.title_field},
            "model": model,
            "prompt": template.ref.model_dump(),
            "mode": mode,
            "parameters": {
                "temperature": s.temperature,
                "max_tokens": s.max_tokens,
                "seed": s.seed,
                "chunking": {"max_chars": s.chunk_chars, "overlap_chars": s.chunk_overlap},
            },
            "requests": summary.requests,
            "articles": articles,
            "skipped": skipped,
        }
        atomic_write_json(meta_path, meta)
    if summary.requests > OPENAI_MAX_REQUESTS:
        summary.warnings.append(f"{summary.requests} requests: more than the OpenAI Batch API's {OPENAI_MAX_REQUESTS} per batch (vLLM has no limit); split the input")
    if summary.bytes > OPENAI_MAX_BYTES:
        summary.warnings.append(f"{summary.bytes / 2**20:.0f} MB: larger than the OpenAI Batch API's 200 MB per file; split the input")
    return summary

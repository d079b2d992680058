"""A run's claims as a flat Parquet table, one row per claim, for pandas, DuckDB and `datasets`.

The run is read line by line and written in row groups of ``batch_rows``, so a run of
any size streams through a bounded buffer. Read it back with
``datasets.load_dataset("parquet", data_files="claims.parquet", split="train")``
(add ``streaming=True`` to iterate without loading it). Articles with no claims have
no rows; their ids are in the run's claims.jsonl.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from claims.kernel.errors import UserError
from claims.kernel.io import atomic_output
from claims.kernel.rundir import CLAIMS, iter_records
from claims.kernel.schema import ArticleClaims

# (column, pyarrow type factory name); every column is nullable.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("article_id", "string"),
    ("claim_index", "int32"),
    ("statement", "string"),
    ("quote", "string"),
    ("quote_start", "int64"),
    ("quote_end", "int64"),
    ("grounded", "bool_"),
    ("claimant_text", "string"),
    ("claimant_start", "int64"),
    ("claimant_end", "int64"),
    ("claimant_name", "string"),
    ("claimant_type", "string"),
    ("claimant_role", "string"),
    ("cue_text", "string"),
    ("cue_start", "int64"),
    ("cue_end", "int64"),
    ("attribution", "string"),
    ("certainty", "string"),
    ("title", "string"),
    ("text_sha256", "string"),
    ("backend", "string"),
    ("model", "string"),
    ("prompt_id", "string"),
    ("prompt_version", "string"),
    ("prompt_sha256", "string"),
    ("toolkit_version", "string"),
    ("schema_version", "string"),
)


def claim_rows(ac: ArticleClaims) -> Iterator[dict[str, Any]]:
    """The flat rows of one article's claims."""
    p = ac.provenance
    for i, c in enumerate(ac.claims):
        yield {
            "article_id": ac.article_id,
            "claim_index": i,
            "statement": c.statement,
            "quote": c.quote,
            "quote_start": c.quote_span.start if c.quote_span else None,
            "quote_end": c.quote_span.end if c.quote_span else None,
            "grounded": c.grounded,
            "claimant_text": c.claimant.text,
            "claimant_start": c.claimant.span.start if c.claimant.span else None,
            "claimant_end": c.claimant.span.end if c.claimant.span else None,
            "claimant_name": c.claimant.name,
            "claimant_type": c.claimant.type.value,
            "claimant_role": c.claimant.role,
            "cue_text": c.cue.text if c.cue else None,
            "cue_start": c.cue.span.start if c.cue and c.cue.span else None,
            "cue_end": c.cue.span.end if c.cue and c.cue.span else None,
            "attribution": c.attribution.value if c.attribution else None,
            "certainty": c.certainty.value if c.certainty else None,
            "title": ac.title,
            "text_sha256": ac.text_sha256,
            "backend": p.backend,
            "model": p.model,
            "prompt_id": p.prompt.id if p.prompt else None,
            "prompt_version": p.prompt.version if p.prompt else None,
            "prompt_sha256": p.prompt.sha256 if p.prompt else None,
            "toolkit_version": p.toolkit_version,
            "schema_version": p.schema_version,
        }


def export_parquet(run_dir: str | Path, out_path: str | Path, *, batch_rows: int = 10_000) -> dict[str, int]:
    """Write the run's claims to ``out_path`` (temp file, then rename); returns article and row counts."""

    run = Path(run_dir)
    if not (run / CLAIMS).is_file():
        raise UserError(f"{run}: not a run directory (no {CLAIMS})")
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS])
    articles = rows = 0
    buf: list[dict[str, Any]] = []
    with atomic_output(out_path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:

        def flush() -> None:
            writer.write_table(pa.Table.from_pylist(buf, schema=schema))
            buf.clear()

        for ac in iter_records(run):
            articles += 1
            for row in claim_rows(ac):
                buf.append(row)
                rows += 1
                if len(buf) >= batch_rows:
                    flush()
        if buf or rows == 0:
            flush()  # an empty run still gets a readable file with the schema
    return {"articles": articles, "claims": rows}

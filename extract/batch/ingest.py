"""``claims batch ingest``: results file(s) -> a normal run directory. The job runner
does the bookkeeping (resume, failure records, manifest); the batch backend answers
each article from its result lines through the shared pipeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from claims.extract.backends.batch import BatchResultsBackend
from claims.extract.batch.ids import BatchError, find_meta, load_meta
from claims.extract.jobs import Job, JobSummary
from claims.kernel.articles import LoadOptions
from claims.kernel.redact import known_secrets


def ingest(
    results: list[str | Path],
    run_dir: str | Path,
    *,
    meta_path: str | Path | None = None,
    articles: list[str | Path] | None = None,
    overwrite: bool = False,
    command: list[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> JobSummary:
    """Results file(s) -> a run directory; the job runner's resume applies (done articles are skipped)."""
    paths = [Path(r) for r in results]
    for p in paths:
        if not p.is_file():
            raise BatchError(f"{p}: no such results file")
    mp = Path(meta_path) if meta_path else find_meta(paths)
    meta = load_meta(mp)
    inputs = [str(a) for a in articles] if articles else list(meta.get("inputs") or [])
    if not inputs:
        raise BatchError(f"{mp}: lists no inputs; pass --articles")
    lo = meta.get("load_options") or {}
    opts = LoadOptions(text_field=lo.get("text_field", "text"), id_field=lo.get("id_field", "id"), title_field=lo.get("title_field", "title"))
    backend = BatchResultsBackend(meta, paths)

    def extra(m: dict[str, Any]) -> dict[str, Any]:
        m["batch"] = {"meta": str(mp.resolve()), **backend.stats()}
        return m

    job = Job(
        inputs=inputs, run_dir=Path(run_dir), backend=backend, jobs=1, overwrite=overwrite, load_options=opts,
        command=command or [], secrets=known_secrets(), on_progress=on_progress, manifest_extra=extra,
    )
    try:
        return job.run()
    finally:
        backend.provider.close()

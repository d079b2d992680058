"""A run's records together with the article texts they were extracted from.

A run stores claims and each article's text hash, not the text; drafting gold or
Label Studio tasks from a run needs the texts. They are read from the inputs the run
was made from (the manifest's ``inputs``, with its text/id fields), or from inputs
given again, and each must hash to what the run pinned, so offsets cannot drift.
"""

from __future__ import annotations

from pathlib import Path

from claims.kernel.articles import Article, LoadOptions, iter_articles
from claims.kernel.errors import UserError
from claims.kernel.rundir import Run, load_run
from claims.kernel.schema import ArticleClaims


def run_with_texts(
    run_dir: str | Path, inputs: list[str] | None = None
) -> tuple[Run, list[tuple[ArticleClaims, str, str | None]]]:
    """The run and, for each of its records in run order, (record, text, title).

    Raises UserError when an input is missing, an article of the run is not in the
    inputs, or its text no longer hashes to the run's pin.
    """
    run = load_run(run_dir)
    manifest = run.manifest or {}
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    if not inputs:
        inputs = [str(x) for x in manifest.get("inputs") or []]
        missing = [x for x in inputs if not Path(x).exists()]
        if not inputs or missing:
            why = f"its inputs {', '.join(missing)} are not here" if missing else "its manifest names no inputs"
            raise UserError(f"{run.path}: cannot find the article texts ({why}); give them with --articles")
    opts = LoadOptions(text_field=config.get("text_field", "text"), id_field=config.get("id_field", "id"))
    wanted = set(run.records)
    found: dict[str, Article] = {}
    for item in iter_articles(inputs, opts):
        if isinstance(item, Article) and item.id in wanted:
            found[item.id] = item
    out = []
    for aid, rec in run.records.items():
        art = found.get(aid)
        if art is None:
            raise UserError(f"{run.path}: article {aid!r} of the run is not in {', '.join(inputs)}")
        if art.sha256 != rec.text_sha256:
            raise UserError(f"{art.source or aid}: text of article {aid!r} differs from the one the run extracted (hash mismatch)")
        out.append((rec, art.text, art.title))
    return run, out

"""What travels between the Ray driver and its actors: articles and records as plain
rows (dicts of str, int and None, which Arrow carries as columns), and each worker's
share of the job's limits. No Ray import here, so all of it is tested without a cluster.

A record row is one finished article in the run directory's own format: ``record``
holds the exact ``claims.jsonl`` / ``failures.jsonl`` line, so whoever writes it (the
engine's driver, or a user's ``write_parquet``) writes what the local runner writes;
``facts`` (JSON) is what the manifest counts of a claims record, so the driver does not
parse the line again for them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from claims.kernel.articles import Article, LoadFailure, LoadOptions, article_from_record
from claims.kernel.errors import JobStop
from claims.kernel.rundir import record_facts
from claims.kernel.schema import ArticleClaims, ArticleFailure
from claims.kernel.settings import ExtractionSettings, make_settings

ARTICLE_FIELDS = ("id", "text", "title", "url", "published", "source", "load_error", "load_message")

# kind of a record row
CLAIMS, FAILURE = "claims", "failure"  # a finished article: ``record`` is its run-file line
STOP = "stop"  # not done: the job must stop (budget spent, endpoint gone); ``record`` is JSON {status, exit_code, message}
SKIP = "skip"  # done in an earlier session (the driver still sees its id: duplicates are caught)
INPUT_ERROR = "input_error"  # an input file cannot be read at all; ``record`` is the one-line message
RECORD_FIELDS = ("kind", "article_id", "source", "claims", "error", "record", "stats", "facts")


def article_row(item: Article | LoadFailure) -> dict[str, str | None]:
    """An article (or an article that failed to load) as a dataset row."""
    if isinstance(item, LoadFailure):
        return {**dict.fromkeys(ARTICLE_FIELDS), "id": item.article_id, "source": item.source,
                "load_error": item.error, "load_message": item.message}
    return {"id": item.id, "text": item.text, "title": item.title, "url": item.url, "published": item.published,
            "source": item.source, "load_error": None, "load_message": None}


def row_item(row: dict[str, Any], opts: LoadOptions) -> Article | LoadFailure:
    """A dataset row as the article the pipeline takes: rows of ``article_row`` come back
    unchanged; a user's row (columns id, text, optional title/url/published, or those
    ``opts`` names) is checked as a JSONL line is (missing id or text, empty text)."""
    if row.get("load_error"):
        return LoadFailure(article_id=str(row.get("id")), source=row.get("source") or "", message=row.get("load_message") or "",
                           error=row["load_error"])
    return article_from_record(row, row.get("source") or "dataset row", opts)


def record_row(result: ArticleClaims | ArticleFailure, source: str | None) -> dict[str, Any]:
    if isinstance(result, ArticleFailure):
        return {"kind": FAILURE, "article_id": result.article_id, "source": source, "claims": 0, "error": result.error,
                "record": result.model_dump_json(), "stats": None, "facts": None}
    return {"kind": CLAIMS, "article_id": result.article_id, "source": source, "claims": len(result.claims), "error": None,
            "record": result.to_json(), "stats": None, "facts": json.dumps(record_facts(result))}


def stop_row(article_id: str, source: str | None, stop: JobStop) -> dict[str, Any]:
    info = {"status": stop.status, "exit_code": stop.exit_code, "message": str(stop)}
    return {"kind": STOP, "article_id": article_id, "source": source, "claims": 0, "error": stop.status,
            "record": json.dumps(info), "stats": None, "facts": None}


def plain_row(kind: str, article_id: str, source: str | None, message: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "article_id": article_id, "source": source, "claims": 0, "error": None, "record": message, "stats": None,
            "facts": None}


class RemoteStop(JobStop):
    """A JobStop raised in a worker, rebuilt on the driver from its stop row."""

    def __init__(self, status: str, exit_code: int, message: str):
        super().__init__(message)
        self.status = status
        self.exit_code = exit_code

    @classmethod
    def of(cls, row: dict[str, Any]) -> RemoteStop:
        info = json.loads(row["record"])
        return cls(info["status"], int(info["exit_code"]), info["message"])


def worker_settings(settings: ExtractionSettings, workers: int) -> ExtractionSettings:
    """One worker's share of a job run by ``workers`` of them: articles in flight, rate
    limits and budgets divided evenly (budgets rounded down, so the job never spends more
    than it was given; articles in flight rounded up, at least one per worker). Nothing
    that decides an answer changes, so every worker's records carry the job's provenance."""
    n = max(1, workers)
    return make_settings(
        settings,
        jobs=math.ceil(settings.jobs / n),
        rpm=settings.rpm / n if settings.rpm else None,
        tpm=settings.tpm / n if settings.tpm else None,
        max_requests=settings.max_requests // n if settings.max_requests is not None else None,
        max_tokens_total=settings.max_tokens_total // n if settings.max_tokens_total is not None else None,
    )


def merge_stats(snapshots: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The run-wide stats of several workers: counts summed, flags or-ed, lists joined,
    a text that differs between workers kept as the list of its values."""
    items = list(snapshots)
    if not items:
        return {}
    out: dict[str, Any] = {}
    for key in dict.fromkeys(k for s in items for k in s):
        vals = [s[key] for s in items if key in s]
        if all(isinstance(v, dict) for v in vals):
            out[key] = merge_stats(vals)
        elif all(isinstance(v, bool) for v in vals):
            out[key] = any(vals)
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            total = sum(vals)
            out[key] = round(total, 3) if isinstance(total, float) else total
        elif all(isinstance(v, list) for v in vals):
            out[key] = [x for v in vals for x in v]
        else:
            distinct = list(dict.fromkeys(json.dumps(v, sort_keys=True) for v in vals if v is not None))
            out[key] = json.loads(distinct[0]) if len(distinct) == 1 else [json.loads(d) for d in distinct] or None
    return out

"""The worker: one backend for the worker's life, answering one record row per article
row. Ray makes it an actor fed batches (``map_batches``, ``extract``); the local
process engine (``processes.py``) feeds it rows one at a time (``_one``).

The backend runs on one event loop in a thread of its own, so an LLM backend keeps one
connection pool (and one rate limiter, one cache handle) across batches, and batches
that arrive at the same time share its articles-in-flight limit. A JobStop (budget
spent, endpoint gone) becomes a stop row for its article and for every article after
it: the driver stops the job, the articles stay for a resume.

No Ray import: the class is plain Python, so it is also tested on its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from claims.extract.backends import build_backend
from claims.extract.engines.rows import INPUT_ERROR, RECORD_FIELDS, SKIP, plain_row, record_row, row_item, stop_row
from claims.extract.jobs import extract_one
from claims.kernel.articles import Article, LoadOptions
from claims.kernel.errors import JobStop
from claims.kernel.schema import ArticleClaims, ArticleFailure
from claims.kernel.settings import ExtractionSettings

if TYPE_CHECKING:
    import pyarrow as pa


@lru_cache(maxsize=1)
def record_schema() -> pa.Schema:
    """The Arrow schema of record rows (pyarrow imported only by the Ray path, not by a
    local worker process)."""
    import pyarrow as pa

    schema = pa.schema([
        ("kind", pa.string()), ("article_id", pa.string()), ("source", pa.string()), ("claims", pa.int64()),
        ("error", pa.string()), ("record", pa.string()), ("stats", pa.string()), ("facts", pa.string()),
    ])
    assert tuple(schema.names) == RECORD_FIELDS
    return schema


def _resolve(skip: Any) -> set[str]:
    if skip is None:
        return set()
    if isinstance(skip, (set, frozenset, list, tuple)):
        return set(skip)
    import ray  # a Ray object reference (a large set is put in the object store once): only then

    return set(ray.get(skip))


class ExtractBatch:
    """``ds.map_batches(ExtractBatch, fn_constructor_kwargs=..., batch_format="pyarrow")``."""

    def __init__(
        self,
        settings: dict[str, Any],
        *,
        api_key: str | None = None,
        load_options: dict[str, Any] | None = None,
        skip: Any = None,
        with_stats: bool = False,
    ):
        """``settings``: this worker's share (``rows.worker_settings``), as a dict;
        ``skip``: ids done in an earlier session (a set, or a Ray object holding one);
        ``with_stats``: add the backend's run-wide stats to each batch's last row."""
        self.settings = ExtractionSettings.model_validate(settings)
        self.backend = build_backend(self.settings, api_key=api_key)
        self.opts = LoadOptions(**(load_options or {}))
        self.skip: set[str] = _resolve(skip)
        self.with_stats = with_stats
        self.stopped: JobStop | None = None
        self.worker = f"{os.getpid()}-{id(self)}"  # a restarted actor is a new worker
        self.articles = 0  # finished by this worker
        self.gate = asyncio.Semaphore(self.settings.jobs)  # bound to the loop below on its first wait (Python >= 3.10)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="claims-backend", daemon=True).start()

    def __call__(self, batch: pa.Table) -> pa.Table:
        """A Ray Data batch of article rows to one of record rows."""
        import pyarrow as pa

        return pa.Table.from_pylist(self.extract(batch.to_pylist()), schema=record_schema())

    def extract(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Article rows to record rows (a plain actor's method: lists pickle cheaper than tables)."""
        out = asyncio.run_coroutine_threadsafe(self._batch(rows), self.loop).result()
        if self.with_stats and out:
            out[-1]["stats"] = self.stats()
        return out

    def stats(self) -> str:
        """This worker's running totals, as a record row's ``stats`` (the driver keeps each worker's latest)."""
        stats = getattr(self.backend, "run_stats", None)
        return json.dumps({"worker": self.worker, "articles": self.articles, "backend": stats() if callable(stats) else None})

    async def _batch(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(self._one(row) for row in rows)))

    async def _one(self, row: dict[str, Any]) -> dict[str, Any]:
        if row.get("load_error") == INPUT_ERROR:  # a whole input file is unreadable: the driver stops the job
            return plain_row(INPUT_ERROR, row["id"], row.get("source"), row.get("load_message"))
        item = row_item(row, self.opts)
        aid = item.id if isinstance(item, Article) else item.article_id
        if aid in self.skip:
            return plain_row(SKIP, aid, item.source)
        result: ArticleClaims | ArticleFailure | None = None
        async with self.gate:
            if self.stopped is None:
                try:
                    result = await extract_one(self.backend, item)
                    self.articles += 1  # finished: claims or a failure
                except JobStop as e:
                    self.stopped = e
        # serialized once the place is free: the next article does not wait for it
        return stop_row(aid, item.source, self.stopped) if result is None else record_row(result, item.source)

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the backend (its connections, its cache's files) and stop the loop, once."""
        loop, self.loop = getattr(self, "loop", None), None
        if loop is not None and loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self.backend.aclose(), loop).result(timeout=5)
            except Exception:  # an actor going down: nothing to report to
                pass
            loop.call_soon_threadsafe(loop.stop)

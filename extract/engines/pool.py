"""What a job whose articles are done by workers elsewhere (Ray actors, local
processes) shares: the driver reads the inputs with the local runner's loader, hands
article rows to the workers, and alone writes the record rows that come back through
the local runner's ``RunWriter`` and manifest, so the run directory, its readers and
resume are the same whatever the engine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from claims.extract.engines.rows import CLAIMS, STOP, RemoteStop, article_row, merge_stats, worker_settings
from claims.extract.jobs import FailureStreak, Job, JobSummary
from claims.kernel.articles import Article, LoadOptions, iter_articles
from claims.kernel.errors import JobStop, UserError
from claims.kernel.rundir import RunTally, RunWriter
from claims.kernel.schema import ArticleFailure
from claims.kernel.settings import ExtractionSettings


def worker_kwargs(s: ExtractionSettings, workers: int, *, api_key: str | None = None, load_options: LoadOptions | None = None,
                  skip: Any = None, with_stats: bool = False, checked: bool = False) -> tuple[ExtractionSettings, dict[str, Any]]:
    """One worker's share of the settings and its constructor arguments. An LLM job's model,
    template and key are checked here, once, not in every worker (``checked``: the caller
    built a backend from these settings already)."""
    if s.is_llm:
        from claims.extract.backends import build_backend
        from claims.extract.transport import endpoint

        if not checked:
            build_backend(s, api_key=api_key)
        api_key = endpoint(s.base_url, api_key, keyless=s.cache == "replay")[1]
    share = worker_settings(s, workers)
    return share, {"settings": share.model_dump(mode="json"), "api_key": api_key, "load_options": vars(load_options or LoadOptions()),
                   "skip": skip, "with_stats": with_stats}


@dataclass
class PoolJob(Job):
    """``Job`` with its articles done by workers: the same run directory, manifest and resume."""

    engine: ClassVar[str] = "local"
    workers: int | None = None
    _stats: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)  # each worker's latest totals
    _workers_used: int | None = field(default=None, repr=False)
    _timings: dict[str, float] = field(default_factory=dict, repr=False)  # this session's start-up, seconds
    _t0: float = field(default=0.0, repr=False)

    def _config(self) -> dict[str, Any]:
        return {**super()._config(), "engine": self.engine, "workers": self._workers_used or self.workers}

    def _manifest(self, status: str, started: str, t0: float, previous: dict, session: dict, tally: RunTally) -> dict[str, Any]:
        m = super()._manifest(status, started, t0, previous, session, tally)
        session["engine"] = self.engine
        session.update(self._timings)
        if self._stats:
            session["articles_by_worker"] = sorted((st["articles"] for st in self._stats.values()), reverse=True)
        m["sessions"][-1] = session
        backend = [st["backend"] for st in self._stats.values() if st.get("backend")]
        if backend:  # the workers' counters, not the driver's idle backend
            stats = merge_stats(backend)
            table = getattr(self.backend, "price_table", None)
            if table is not None:
                from claims.extract.pricing import cost

                stats["cost_usd"] = cost(stats, getattr(self.backend, "model", ""), table)
            m["backend_stats"] = stats
        return m

    def _worker_settings(self) -> ExtractionSettings:
        """The settings the workers are built from (a pool job cannot run without them)."""
        if self.settings is None:
            raise UserError(f"the {self.engine} engine builds its workers from the job's settings; pass settings=")
        return self.settings

    @staticmethod
    def _ended(stop: JobStop | None, summary: JobSummary) -> str:
        """The session's status: complete, or the first stop's (its reason and exit code in ``summary``)."""
        if stop is None:
            return "complete"
        summary.stop_reason, summary.exit_code = str(stop), stop.exit_code
        return stop.status

    def _rows(self, done: set[str]) -> Iterator[dict[str, Any]]:
        """The articles not done yet, as rows."""
        for item in iter_articles(self.inputs, self.load_options):
            if (item.id if isinstance(item, Article) else item.article_id) not in done:
                yield article_row(item)

    def _take(self, rows: list[dict[str, Any]], writer: RunWriter, summary: JobSummary, streak: FailureStreak) -> JobStop | None:
        """Write record rows as they come back; the first reason to stop, if any."""
        if "first_record_seconds" not in self._timings:  # start-up: the workers and their first article
            self._timings["first_record_seconds"] = round(time.monotonic() - self._t0, 3)
        stop: JobStop | None = None
        for row in rows:
            if row["stats"]:  # a worker's running totals (a restarted worker is a new one); keep its latest
                st = json.loads(row["stats"])
                worker = st.pop("worker")
                if st["articles"] >= self._stats.get(worker, {}).get("articles", -1):
                    self._stats[worker] = st
            if row["kind"] == STOP:
                stop = stop or RemoteStop.of(row)
            elif row["kind"] == CLAIMS:
                writer.claims_json(row["record"], json.loads(row["facts"]) if row.get("facts") else None)
                summary.succeeded += 1
                summary.claims += row["claims"]
                streak.see(None)
            elif row["kind"] is not None:  # a failure, through the local runner's path: its message is redacted there
                stop = stop or self._write(ArticleFailure.model_validate_json(row["record"]), writer, summary, streak)
            else:
                continue  # a worker's closing totals, no article
            if self.on_progress:
                self.on_progress(summary.succeeded + summary.failed)
        return stop

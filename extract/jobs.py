"""The extraction job: articles in, one run directory out (its format:
``claims.kernel.rundir``). Articles stream through a bounded queue to ``jobs``
workers; each finished article is one record, claims or a failure. Resuming skips
every article already done; failed articles are tried again.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import platform
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from claims.extract.backends.base import TRANSPORT_ERRORS, Backend, EndpointTrouble, ExtractionError
from claims.kernel.articles import Article, LoadFailure, LoadOptions, iter_articles
from claims.kernel.errors import JobStop, UserError
from claims.kernel.redact import redact
from claims.kernel.rundir import RunTally, RunWriter, now
from claims.kernel.schema import ArticleClaims, ArticleFailure
from claims.kernel.settings import ExtractionSettings
from claims.kernel.version import __version__

# this many finished articles in a row failing with the same transport error stop the job
CONSECUTIVE_TRANSPORT_FAILURES = 5


@dataclass
class JobSummary:
    status: str  # complete | interrupted | budget_exhausted | endpoint_unavailable | worker_lost | error
    stop_reason: str | None = None
    exit_code: int = 0  # of a job that stopped early (JobStop.exit_code)
    done_before: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    claims: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)


class FailureStreak:
    """Finished articles failing one after another with the same transport error say the
    endpoint is in trouble, not the articles: after ``limit`` of them the job stops."""

    def __init__(self, limit: int = CONSECUTIVE_TRANSPORT_FAILURES):
        self.limit = limit
        self.kinds: list[str] = []  # error kinds of the latest consecutive failures

    def see(self, result: ArticleClaims | ArticleFailure | None, secrets: tuple[str, ...] = ()) -> EndpointTrouble | None:
        """``result``: a finished article's record (None: one that succeeded)."""
        if not isinstance(result, ArticleFailure):
            self.kinds.clear()
            return None
        self.kinds = [*self.kinds, result.error] if result.error in TRANSPORT_ERRORS else []
        if len(self.kinds) >= self.limit and len(set(self.kinds[-self.limit :])) == 1:
            return EndpointTrouble(f"{self.limit} articles in a row failed with {result.error} ({redact(result.message, secrets)[:200]})")
        return None


@lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    """Asked for each manifest a job writes; reading the installed packages' metadata takes ~15 ms."""
    out = {"claims": __version__, "python": platform.python_version()}
    for pkg in ("pydantic", "openai", "tenacity", "datasets"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


async def extract_one(backend: Backend, item: Article | LoadFailure) -> ArticleClaims | ArticleFailure:
    """One article's record: its claims, or the failure with its reason (one bad article
    never stops a job). A JobStop propagates: the article is left for a resume."""
    if isinstance(item, LoadFailure):
        return ArticleFailure(article_id=item.article_id, source=item.source, stage="load", error=item.error, message=item.message)
    try:
        result = await backend.aextract(item)
    except ExtractionError as e:
        return ArticleFailure(article_id=item.id, source=item.source, stage=e.stage, error=e.error, message=str(e), usage=e.usage)
    except (asyncio.CancelledError, JobStop):
        raise
    except Exception as e:
        return ArticleFailure(article_id=item.id, source=item.source, stage="extract", error=type(e).__name__, message=str(e)[:1000])
    problems = result.span_problems(item.text, item.sha256)
    if problems:
        return ArticleFailure(article_id=item.id, source=item.source, stage="validate", error="SpanMismatch", message="; ".join(problems)[:1000], usage=result.usage)
    return result


def extract_articles(articles: Iterable[Article], backend: Backend, *, jobs: int = 1) -> list[ArticleClaims | ArticleFailure]:
    """In-memory extraction (a notebook, the eval floor): one record per article, in input
    order, at most ``jobs`` at once. A job with a run directory is ``Job``."""

    async def go() -> list[ArticleClaims | ArticleFailure]:
        gate = asyncio.Semaphore(max(1, jobs))

        async def one(a: Article) -> ArticleClaims | ArticleFailure:
            async with gate:
                return await extract_one(backend, a)

        try:
            return list(await asyncio.gather(*(one(a) for a in articles)))
        finally:
            await backend.aclose()

    return asyncio.run(go())


@dataclass
class Job:
    inputs: list[str]
    run_dir: Path
    backend: Backend
    jobs: int = 1
    overwrite: bool = False
    load_options: LoadOptions = field(default_factory=LoadOptions)
    command: list[str] = field(default_factory=list)
    secrets: tuple[str, ...] = ()
    on_progress: Callable[[int], None] | None = None  # called with the number of articles finished
    manifest_extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    settings: ExtractionSettings | None = None  # recorded in the manifest

    def _check_previous(self, previous: dict[str, Any]) -> None:
        """Refuse to resume a run made with different settings."""
        prov = self.backend.provenance().model_dump(mode="json")
        if not self.overwrite and previous.get("provenance") and previous["provenance"] != prov:
            raise UserError(
                f"{self.run_dir}: was made with different settings ({_diff(previous['provenance'], prov)}); "
                "use --overwrite to start over or another -o"
            )

    def _manifest(self, status: str, started: str, t0: float, previous: dict, session: dict, tally: RunTally) -> dict[str, Any]:
        m: dict[str, Any] = {
            "tool": "claims",
            "status": status,
            "command": [redact(a, self.secrets) for a in self.command],
            "inputs": [str(i) for i in self.inputs],
            "backend": self.backend.name,
            "provenance": self.backend.provenance().model_dump(mode="json"),
            "config": self._config(),
            **({"settings": self.settings.model_dump(mode="json")} if self.settings else {}),
            "versions": dict(_versions()),
            "started_at": previous.get("started_at", started),
            "updated_at": now(),
            "sessions": previous.get("sessions", []) + [session],
            **tally.fields(),
        }
        m["notes"] = self.backend.manifest_notes(m["languages"])
        session["wall_seconds"] = round(time.monotonic() - t0, 3)
        m["wall_seconds"] = round(sum(s.get("wall_seconds", 0.0) for s in m["sessions"]), 3)
        if self.manifest_extra:
            m = self.manifest_extra(m)
        return json.loads(redact(json.dumps(m), self.secrets))

    def _config(self) -> dict[str, Any]:
        """How the job ran (not what decides the answers: that is the provenance)."""
        return {"jobs": self.jobs, "text_field": self.load_options.text_field, "id_field": self.load_options.id_field}

    def _write(self, result: ArticleClaims | ArticleFailure, writer: RunWriter, summary: JobSummary, streak: FailureStreak) -> JobStop | None:
        """Append one finished article's record; a JobStop when the failures say the endpoint is gone."""
        if isinstance(result, ArticleFailure):
            result.message = redact(result.message, self.secrets)
            writer.failure(result)
            summary.failed += 1
        else:
            writer.claims(result)
            summary.succeeded += 1
            summary.claims += len(result.claims)
        return streak.see(result, self.secrets)

    def _execute(self, done: set[str], writer: RunWriter, summary: JobSummary) -> str:
        """Process every article not in ``done``; returns the status the session ends with
        (an engine that runs elsewhere, such as Ray, overrides this)."""
        return asyncio.run(self._run_async(done, writer, summary))

    def run(self) -> JobSummary:
        writer = RunWriter(self.run_dir, overwrite=self.overwrite, check_previous=self._check_previous)
        done, previous = writer.done, writer.previous_manifest
        started, t0 = now(), time.monotonic()
        session: dict[str, Any] = {"started_at": started, "status": "running", "resumed_from": len(done)}
        writer.manifest(self._manifest("running", started, t0, previous, session, writer.tally))
        summary = JobSummary(status="complete", done_before=len(done))
        # What was made before the job (modules, schemas: ~300k objects) outlives it: frozen,
        # the collector does not walk it during the job (a full collection cost 15-25 ms of
        # a job's time, measured with gc callbacks) and forked workers leave its pages shared.
        gc.freeze()
        try:
            summary.status = self._execute(done, writer, summary)
        except KeyboardInterrupt:
            summary.status = "interrupted"
        except Exception as e:  # a bug: the manifest must not say "complete" while the traceback goes up
            summary.status, summary.stop_reason, summary.exit_code = "error", f"{type(e).__name__}: {e}", 1
            raise
        finally:
            gc.unfreeze()  # back to the oldest generation: a notebook running jobs keeps no garbage
            writer.close()
            summary.processed = summary.succeeded + summary.failed
            session.update(status=summary.status, ended_at=now(), processed=summary.processed,
                           **({"stop_reason": redact(summary.stop_reason, self.secrets)} if summary.stop_reason else {}))
            summary.manifest = self._manifest(summary.status, started, t0, previous, session, writer.tally)
            writer.manifest(summary.manifest)
        return summary

    async def _run_async(self, done: set[str], writer: RunWriter, summary: JobSummary) -> str:
        queue: asyncio.Queue[Article | LoadFailure | None] = asyncio.Queue(maxsize=max(2 * self.jobs, 4))
        stop = asyncio.Event()
        status = "complete"
        loop = asyncio.get_running_loop()
        interrupted = False

        def on_sigint() -> None:
            nonlocal interrupted
            if interrupted:  # second Ctrl-C: give up at once
                os._exit(130)
            interrupted = True
            stop.set()
            for t in workers:
                t.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        except (NotImplementedError, RuntimeError):  # not the main thread / platform
            pass

        streak = FailureStreak()

        def stop_job(e: JobStop) -> None:
            nonlocal status
            if status == "complete":  # the first reason wins
                status, summary.stop_reason, summary.exit_code = e.status, str(e), e.exit_code
            stop.set()

        async def handle(item: Article | LoadFailure) -> None:
            try:
                result = await extract_one(self.backend, item)
            except JobStop as e:
                stop_job(e)  # this article is not recorded: a resume does it
                return
            trouble = self._write(result, writer, summary, streak)
            if trouble is not None:
                stop_job(trouble)

        async def worker() -> None:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if stop.is_set():
                    continue
                await handle(item)
                if self.on_progress:
                    self.on_progress(summary.succeeded + summary.failed)

        workers = [asyncio.create_task(worker()) for _ in range(max(1, self.jobs))]

        async def produce() -> None:
            for item in iter_articles(self.inputs, self.load_options):
                if stop.is_set():
                    break
                aid = item.id if isinstance(item, Article) else item.article_id
                if aid in done:
                    continue
                await queue.put(item)
            for _ in workers:
                await queue.put(None)

        producer = asyncio.create_task(produce())
        try:
            await asyncio.gather(producer, *workers)
        except asyncio.CancelledError:
            pass
        finally:
            producer.cancel()
            for t in workers:
                t.cancel()
            await self.backend.aclose()
            try:
                loop.remove_signal_handler(signal.SIGINT)
            except (NotImplementedError, RuntimeError):
                pass
        if interrupted:
            return "interrupted"
        return status


def _diff(a: dict, b: dict) -> str:
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return ", ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in keys)[:300]

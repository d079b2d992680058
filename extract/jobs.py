"""The extraction job: articles in, one run directory out.

A run directory holds ``claims.jsonl`` (one ArticleClaims per line, appended as each
article finishes), ``failures.jsonl`` (one ArticleFailure per failed article) and
``manifest.json`` (written atomically at start and end). Each JSONL line is written
with a single ``write`` and flushed, so a kill can at worst leave one partial last
line, which the next run cuts off. Resuming skips every article already in
``claims.jsonl``; failed articles are tried again.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from claims.kernel.version import __version__
from claims.kernel.articles import Article, LoadFailure, LoadOptions, iter_articles
from claims.extract.backends.base import Backend, BudgetExhausted, ExtractionError
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_json, atomic_write_text
from claims.kernel.redact import redact
from claims.kernel.schema import ArticleClaims, ArticleFailure, Usage

CLAIMS = "claims.jsonl"
FAILURES = "failures.jsonl"
MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class JobSummary:
    status: str  # complete | interrupted | budget_exhausted
    done_before: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    claims: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)


def _scan_jsonl(path: Path, *, repair: bool) -> Iterator[dict]:
    """Complete records of a JSONL file; a partial last line (from a kill) is cut off when repair is set."""
    if not path.exists():
        return
    good_end = 0
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                rec = json.loads(raw)
            except ValueError:
                break
            good_end += len(raw)
            yield rec
    if repair and good_end != path.stat().st_size:
        os.truncate(path, good_end)


class RunWriter:
    """Appends records line by line; each line is whole or absent."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self._claims = (run_dir / CLAIMS).open("ab")
        self._failures = (run_dir / FAILURES).open("ab")

    @staticmethod
    def _append(fh: Any, line: str) -> None:
        fh.write((line + "\n").encode("utf-8"))
        fh.flush()

    def claims(self, rec: ArticleClaims) -> None:
        self._append(self._claims, rec.model_dump_json())

    def failure(self, rec: ArticleFailure) -> None:
        self._append(self._failures, rec.model_dump_json())

    def close(self) -> None:
        for fh in (self._claims, self._failures):
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"claims": __version__, "python": platform.python_version()}
    for pkg in ("pydantic", "openai", "tenacity", "datasets"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def summarize_run(run_dir: Path) -> dict[str, Any]:
    """Counts and usage over the whole run directory (all sessions), from the files themselves.

    Records were validated when written, so this reads plain JSON: a manifest of a
    20,000-article run must not cost a second full validation.
    """
    usage: Counter[str] = Counter()
    articles = claims = grounded = 0
    for rec in _scan_jsonl(run_dir / CLAIMS, repair=False):
        articles += 1
        claims += len(rec["claims"])
        grounded += sum(bool(c.get("grounded", True)) for c in rec["claims"])
        usage.update(rec.get("usage") or {})
    failures: Counter[str] = Counter()
    for rec in _scan_jsonl(run_dir / FAILURES, repair=False):
        failures[rec["error"]] += 1
        usage.update(rec.get("usage") or {})
    return {
        "articles_done": articles,
        "articles_failed": sum(failures.values()),
        "failures_by_error": dict(failures),
        "claims": claims,
        "claims_grounded": grounded,
        "claims_ungrounded": claims - grounded,
        "usage": Usage(**{k: usage[k] for k in Usage.model_fields}).model_dump(),
    }


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

    def _prepare(self) -> tuple[set[str], dict[str, Any]]:
        rd = self.run_dir
        if rd.exists() and not rd.is_dir():
            raise UserError(f"{rd}: exists and is not a directory")
        rd.mkdir(parents=True, exist_ok=True)
        manifest_path = rd / MANIFEST
        previous: dict[str, Any] = {}
        if self.overwrite:
            for name in (CLAIMS, FAILURES, MANIFEST):
                (rd / name).unlink(missing_ok=True)
        elif manifest_path.exists():
            try:
                previous = json.loads(manifest_path.read_text(encoding="utf-8"))
            except ValueError:
                raise UserError(f"{manifest_path}: unreadable manifest; use --overwrite to start over") from None
            prov = self.backend.provenance().model_dump(mode="json")
            if previous.get("provenance") and previous["provenance"] != prov:
                raise UserError(
                    f"{rd}: was made with different settings ({_diff(previous['provenance'], prov)}); "
                    "use --overwrite to start over or another -o"
                )
        done = {rec["article_id"] for rec in _scan_jsonl(rd / CLAIMS, repair=True)}
        # Failed articles are retried; their old records go (rebuilt as this run goes).
        atomic_write_text(rd / FAILURES, "")
        return done, previous

    def _manifest(self, status: str, started: str, t0: float, previous: dict, session: dict) -> dict[str, Any]:
        m: dict[str, Any] = {
            "tool": "claims",
            "status": status,
            "command": [redact(a, self.secrets) for a in self.command],
            "inputs": [str(i) for i in self.inputs],
            "backend": self.backend.name,
            "provenance": self.backend.provenance().model_dump(mode="json"),
            "config": {"jobs": self.jobs, "text_field": self.load_options.text_field, "id_field": self.load_options.id_field},
            "versions": _versions(),
            "started_at": previous.get("started_at", started),
            "updated_at": now(),
            "sessions": previous.get("sessions", []) + [session],
            **summarize_run(self.run_dir),
        }
        session["wall_seconds"] = round(time.monotonic() - t0, 3)
        m["wall_seconds"] = round(sum(s.get("wall_seconds", 0.0) for s in m["sessions"]), 3)
        if self.manifest_extra:
            m = self.manifest_extra(m)
        return json.loads(redact(json.dumps(m), self.secrets))

    def run(self) -> JobSummary:
        done, previous = self._prepare()
        started, t0 = now(), time.monotonic()
        session: dict[str, Any] = {"started_at": started, "status": "running", "resumed_from": len(done)}
        atomic_write_json(self.run_dir / MANIFEST, self._manifest("running", started, t0, previous, session))
        writer = RunWriter(self.run_dir)
        summary = JobSummary(status="complete", done_before=len(done))
        try:
            summary.status = asyncio.run(self._run_async(done, writer, summary))
        except KeyboardInterrupt:
            summary.status = "interrupted"
        finally:
            writer.close()
            summary.processed = summary.succeeded + summary.failed
            session.update(status=summary.status, ended_at=now(), processed=summary.processed)
            summary.manifest = self._manifest(summary.status, started, t0, previous, session)
            atomic_write_json(self.run_dir / MANIFEST, summary.manifest)
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

        def record_failure(f: ArticleFailure) -> None:
            f.message = redact(f.message, self.secrets)
            writer.failure(f)
            summary.failed += 1

        async def handle(item: Article | LoadFailure) -> None:
            nonlocal status
            if isinstance(item, LoadFailure):
                record_failure(ArticleFailure(article_id=item.article_id, source=item.source, stage="load", error=item.error, message=item.message))
                return
            try:
                result = await self.backend.aextract(item)
            except BudgetExhausted:
                status = "budget_exhausted"  # this article is not recorded: a resume does it
                stop.set()
                return
            except ExtractionError as e:
                record_failure(ArticleFailure(article_id=item.id, source=item.source, stage=e.stage, error=e.error, message=str(e), usage=e.usage))
                return
            except asyncio.CancelledError:
                raise
            except Exception as e:  # one bad article never stops the job
                record_failure(ArticleFailure(article_id=item.id, source=item.source, stage="extract", error=type(e).__name__, message=str(e)[:1000]))
                return
            problems = result.span_problems(item.text)
            if problems:
                record_failure(ArticleFailure(article_id=item.id, source=item.source, stage="validate", error="SpanMismatch", message="; ".join(problems)[:1000], usage=result.usage))
                return
            writer.claims(result)
            summary.succeeded += 1
            summary.claims += len(result.claims)

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


def iter_run(run_dir: str | Path) -> Iterable[ArticleClaims]:
    for rec in _scan_jsonl(Path(run_dir) / CLAIMS, repair=False):
        yield ArticleClaims.model_validate(rec)


def iter_failures(run_dir: str | Path) -> Iterable[ArticleFailure]:
    for rec in _scan_jsonl(Path(run_dir) / FAILURES, repair=False):
        yield ArticleFailure.model_validate(rec)


def print_resume_hint(run_dir: Path, command: list[str]) -> None:
    cmd = " ".join(command) if command else f"claims extract ... -o {run_dir}"
    print(f"stopped; {run_dir} keeps every finished article. Resume with the same command:\n  {cmd}", file=sys.stderr)

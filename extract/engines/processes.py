"""The local engine on several processes: one job's articles on ``workers`` processes
of this machine, each a worker (``worker.ExtractBatch``) with its own backend, event
loop and connections; this process reads the inputs and alone writes the records
(``pool.PoolJob``).

Why: one process runs one event loop on one core. An LLM job with many articles in
flight spends a few ms of CPU per article (HTTP, parsing, grounding, records), so at
32-64 in flight the loop, not the server, sets the pace; a second process on a second
core takes half of that work.

Workers are forked once the command has started (Linux), so they share its imports
instead of paying start-up again; elsewhere they are spawned. Each gets its share of
``--jobs``, the rate limits and the budgets (``rows.worker_settings``). Articles go out
one row at a time, up to twice a worker's share ahead, so a slow article never holds a
batch back. Ctrl-C, a stop (budget, endpoint) or a worker that dies stops the job; what
was written stays, and a resume does the rest. Workers ignore Ctrl-C (the driver
decides) and exit when the driver goes away (their pipe closes).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, ClassVar

from claims.extract.engines.pool import PoolJob, worker_kwargs
from claims.extract.engines.rows import RECORD_FIELDS, stop_row
from claims.extract.jobs import FailureStreak, JobSummary
from claims.kernel.errors import JobStop
from claims.kernel.redact import known_secrets, redact
from claims.kernel.rundir import RunWriter

log = logging.getLogger("claims.extract.engines.processes")

# In flight: up to this many, one process's loop keeps up alone. At ~2 ms of CPU an article,
# 64 in flight at 0.2 s a request (320 articles/s, the fake server's pace) take ~2/3 of a
# core; measured side by side at -j 32 and -j 64, one process finished as fast as two and
# spent ~0.5 ms an article less (no driver hop, no second process on the cores).
ARTICLES_PER_PROCESS = 64
AHEAD = 2  # rows a worker holds per article it may have in flight
STOP_WORK = "stop"  # driver to worker: start nothing more (in-flight articles finish)


def default_workers(jobs: int, is_llm: bool) -> int:
    """Processes for an LLM job with ``jobs`` articles in flight: one per 64 of them, at
    most one per CPU. A CPU-bound backend (rules) stays in one process unless ``--workers``
    says otherwise."""
    if not is_llm:
        return 1
    return max(1, min(os.cpu_count() or 1, jobs // ARTICLES_PER_PROCESS))


def _tell(conn: Connection, msg: Any) -> None:
    """Send to a worker that may have died since it was last heard from (a broken pipe);
    ``_hear`` then reports it."""
    try:
        conn.send(msg)
    except OSError:
        pass


def _hear(conn: Connection) -> list[dict[str, Any]] | None:
    """What a worker sent back, or None if it is gone: an end of file, or a reset when
    it died with rows it had not read yet."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


class WorkerError(JobStop):
    """An article raised in a worker where a record was due (a bug): the job stops with
    the error, as one process stops; without a row for it the driver would wait forever."""

    status = "error"
    exit_code = 1


class WorkerLost(JobStop):
    """A worker process exited with articles in flight: they are not recorded, so the
    job stops and a resume does them."""

    status = "worker_lost"
    exit_code = 1


def _serve(conn: Connection, kwargs: dict[str, Any], drivers_ends: list[int]) -> None:
    """A worker process: article rows in, record rows out, until the driver says done
    or goes away. ``drivers_ends``: the driver's ends of the pipes, which a forked worker
    holds copies of; closed, so that the driver's death is an end of file here.

    The pipe is a socket pair (Linux, macOS), served by the backend's own event loop:
    rows are read and records written without a thread of their own (a reader thread,
    with its lock and hand-offs to the loop, cost ~0.2 ms of CPU an article), and
    without ever blocking on the pipe. A worker that blocked sending a large record to
    a driver that was blocked sending it a long article hung the job
    (``test_long_articles_and_large_records_do_not_deadlock_the_pipes``); here a record
    waits in the loop's write buffer while reading goes on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in drivers_ends:
        os.close(fd)
    from claims.extract.engines.worker import ExtractBatch

    sock = socket.socket(fileno=os.dup(conn.fileno()))
    conn.close()
    worker = ExtractBatch(**kwargs)
    try:
        asyncio.run_coroutine_threadsafe(_pump(worker, sock, known_secrets(kwargs.get("api_key"))), worker.loop).result()
    finally:
        worker.close()


async def _pump(worker: Any, sock: socket.socket, secrets: tuple[str, ...]) -> None:
    """Read the driver's messages (``Connection.send``'s frames: a length, then a pickle)
    and start an article for each row; each record goes back as one frame when it is done.
    At the driver's None: finish what is in flight, send the totals, flush and return.
    ``secrets``: kept out of what an article that raised logs and sends."""
    reader, writer = await asyncio.open_connection(sock=sock)
    pending: set[asyncio.Task[dict[str, Any]]] = set()

    def send(rows: list[dict[str, Any]]) -> None:
        if not writer.is_closing():
            writer.write(_frame(rows))

    def finished(row: dict[str, Any], task: asyncio.Task[dict[str, Any]]) -> None:
        pending.discard(task)
        if task.cancelled():
            return
        if (exc := task.exception()) is None:
            send([task.result()])
            return
        log.error("worker %d: article %s raised:\n%s", os.getpid(), row.get("id"), redact("".join(traceback.format_exception(exc)), secrets))
        why = WorkerError(redact(f"article {row.get('id')}: {type(exc).__name__}: {exc}", secrets))
        send([stop_row(str(row.get("id")), row.get("source"), why)])

    try:
        while (msg := await _read_frame(reader)) is not None:
            if msg == STOP_WORK:
                worker.stopped = worker.stopped or JobStop("the driver stopped the job")
                continue
            for row in msg:
                task = asyncio.create_task(worker._one(row))
                pending.add(task)
                task.add_done_callback(partial(finished, row))
        if pending:
            await asyncio.wait(pending)
        send([{**dict.fromkeys(RECORD_FIELDS), "claims": 0, "stats": worker.stats()}])  # its totals, no article
        writer.close()
        await writer.wait_closed()  # all of it written before the loop stops
    except (asyncio.IncompleteReadError, OSError):
        pass  # the driver is gone: nothing to report to
    finally:
        writer.close()


async def _read_frame(reader: asyncio.StreamReader) -> Any:
    (size,) = struct.unpack("!i", await reader.readexactly(4))
    if size == -1:  # over 2 GiB
        (size,) = struct.unpack("!Q", await reader.readexactly(8))
    return pickle.loads(await reader.readexactly(size))


def _frame(obj: Any) -> bytes:
    """``obj`` as ``Connection.send`` frames it, for the driver's ``Connection.recv``."""
    data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    n = len(data)
    return (struct.pack("!i", n) if n <= 0x7FFFFFFF else struct.pack("!iQ", -1, n)) + data


@dataclass
class ProcessJob(PoolJob):
    """``Job`` on ``workers`` local processes (see the module)."""

    engine: ClassVar[str] = "local"

    def _execute(self, done: set[str], writer: RunWriter, summary: JobSummary) -> str:
        s = self._worker_settings()
        n = self._workers_used = self.workers or default_workers(s.jobs, s.is_llm)
        share, kwargs = worker_kwargs(s, n, load_options=self.load_options, with_stats=True, checked=True)
        self._t0 = time.monotonic()
        forked = sys.platform == "linux"
        ctx = multiprocessing.get_context("fork" if forked else "spawn")
        if s.is_llm and forked:
            from claims.extract.transport import http_library

            http_library()  # imported once here, not once in every worker
        conns: list[Connection] = []
        procs: list[Any] = []
        finished = False
        try:
            for _ in range(n):
                mine, theirs = ctx.Pipe()
                conns.append(mine)
                ends = [c.fileno() for c in conns] if forked else []
                p = ctx.Process(target=_serve, args=(theirs, kwargs, ends), daemon=True, name="claims-worker")
                p.start()
                theirs.close()
                procs.append(p)
            stop = self._dispatch(done, conns, procs, share.jobs * AHEAD, writer, summary)
            finished = True
        finally:
            for p in procs:  # exiting already after a finish; killed after Ctrl-C or an error
                p.join(timeout=10 if finished else 0)
                if p.is_alive():
                    p.kill()
                    p.join()
            for c in conns:
                c.close()
        return self._ended(stop, summary)

    def _dispatch(self, done: set[str], conns: list[Connection], procs: list[Any], ahead: int, writer: RunWriter,
                  summary: JobSummary) -> JobStop | None:
        """Keep ``ahead`` rows at each worker, write records as they come back; after a stop,
        send nothing more, tell the workers, and write what was still in flight (it is done).
        At the end each worker sends its totals and exits."""
        rows = self._rows(done)
        held = [0] * len(conns)  # rows sent to a worker and not yet back
        live = dict(enumerate(conns))
        # one selector for the job: multiprocessing's wait() builds one, and registers
        # every pipe in it, on every call (once or twice an article)
        with selectors.DefaultSelector() as ready:
            for i, c in live.items():
                ready.register(c, selectors.EVENT_READ, i)
            streak = FailureStreak()
            stop: JobStop | None = None
            more = True
            while True:
                while more and stop is None:
                    i = min(live, key=held.__getitem__, default=None)
                    if i is None or held[i] >= ahead:
                        break
                    row = next(rows, None)
                    if row is None:
                        more = False
                        break
                    held[i] += 1
                    _tell(live[i], [row])
                if not any(held[i] for i in live):
                    break
                for key, _ in ready.select(timeout=0.5):  # a timeout, so that Ctrl-C gets through
                    i = key.data
                    back = _hear(live[i])
                    if back is None:
                        ready.unregister(live.pop(i))
                        procs[i].join(timeout=1)  # for its exit code
                        trouble: JobStop | None = WorkerLost(
                            f"worker process {procs[i].pid} exited (code {procs[i].exitcode}) with {held[i]} article(s) in flight; "
                            "they are not recorded: run the command again to resume")
                        held[i] = 0
                    else:
                        held[i] -= sum(r["kind"] is not None for r in back)
                        trouble = self._take(back, writer, summary, streak)
                    if trouble is not None and stop is None:  # the first reason wins; the others start nothing more
                        stop = trouble
                        for other in live.values():
                            _tell(other, STOP_WORK)
        for c in live.values():  # done: each worker sends its totals and exits
            _tell(c, None)
            if (totals := _hear(c)) is not None:  # if it died at the very end, its totals are lost, its records are not
                self._take(totals, writer, summary, streak)
        return stop

"""Scale out on Ray: the same extraction job on a pool of actors, one backend each.

Entries:
- ``extract_dataset(ds, settings, workers=N)``: a Ray Dataset of articles (columns id,
  text, optional title/url/published) to a Ray Dataset of record rows (``rows.py``), for
  people who already run Ray pipelines (read Parquet from object storage, write Parquet
  back);
- ``RayJob``: what ``claims extract --engine ray`` runs. The driver reads the inputs
  with the local runner's loader, sends batches to the same actors, and alone writes what
  comes back through the local runner's ``RunWriter`` and manifest: the same files, so
  every reader works unchanged, and the same resume (a finished article is never sent).
  It uses plain actors rather than Ray Data: on a CPU-bound job, Ray Data's executor and
  its helper actors cost about as much CPU as a worker does.
- ``read_articles(inputs)``: ``claims extract`` inputs as a Ray Dataset, for the Python entry.

Ray is imported only inside these functions: it is an extra, and its import is heavy.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from claims.extract.engines.pool import PoolJob, worker_kwargs
from claims.extract.engines.rows import ARTICLE_FIELDS, INPUT_ERROR, article_row
from claims.extract.jobs import FailureStreak, JobSummary
from claims.kernel.articles import InputError, LoadOptions, input_files, iter_file
from claims.kernel.errors import JobStop, UserError
from claims.kernel.rundir import RunWriter
from claims.kernel.settings import ExtractionSettings, make_settings

if TYPE_CHECKING:
    import ray.data

TXT_FILES_PER_TASK = 256  # .txt files read by one loading task
ARTICLE_BLOCK_BYTES = 256 * 1024  # ~60-80 news articles: the unit of work a worker is handed
CPU_BATCH = 64  # articles per batch for a CPU-bound backend (rules, sentences)
LLM_WORKER_CPUS = 0.25
LLM_BATCH_PER_JOB = 4  # an LLM worker's batch: this many articles per article in flight
LLM_CALLS_PER_WORKER = 2  # batches an LLM worker holds at once: one's slow tail overlaps the next
CPU_CALLS_PER_WORKER = 2  # batches sent to a rules worker: the next one is there when it finishes one


class RayMissing(UserError):
    """The ray extra is not installed."""


def _import_ray() -> Any:
    try:
        import ray  # the extra; heavy: only when the engine runs
    except ImportError:
        raise RayMissing("the Ray engine needs the ray extra: pip install 'claims[ray]'") from None
    return ray


# --------------------------------------------------------------------------- a Ray session


@contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[Any]:
    """A connection to Ray for the length of a job: the caller's, if it already has one;
    else the cluster at ``address``; else a local instance started in this process
    (127.0.0.1 only, no dashboard, no usage stats), shut down at the end."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine unless the user opts in
    if not address and "ray" not in sys.modules:
        # A single-node instance: every Ray server on 127.0.0.1. This is Ray's own switch for
        # it, read when ray is imported; without it Ray binds all interfaces and its processes
        # talk to each other over the machine's external address.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    if not address:
        # Ray runs its workers at nice 15, so that a driver stays responsive; here the workers
        # are the job, and run at the user's priority as a local job does
        os.environ.setdefault("RAY_worker_niceness", "0")
    ray = _import_ray()
    if ray.is_initialized():
        yield ray
        return
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **quiet)
    except ConnectionError as e:
        raise UserError(f"--ray-address {address}: cannot connect ({str(e).splitlines()[0][:200]})") from None
    _quiet_ray_data()
    try:
        yield ray
    finally:
        ray.shutdown()


def _quiet_ray_data() -> None:
    """Ray Data's own progress bars and execution notes go to the terminal otherwise; the
    command shows one progress display of its own."""
    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data\.")  # "only received 1 input(s)" on small inputs


def cluster_cpus() -> int:
    ray = _import_ray()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


# --------------------------------------------------------------------------- articles in


def load_file(row: dict[str, Any], *, load_options: dict[str, Any]) -> list[dict[str, Any]]:
    """The article rows of the files of one loading task (the project's loaders: the same
    ids, titles, sources and load failures as a local job). A file that cannot be read at
    all is one row the driver turns into the usual one-line error."""
    opts = LoadOptions(**load_options)
    out: list[dict[str, Any]] = []
    for path in row["paths"]:
        try:
            out.extend(article_row(item) for item in iter_file(row["kind"], Path(path), opts))
        except InputError as e:
            out.append({**dict.fromkeys(ARTICLE_FIELDS), "id": path, "source": path, "load_error": INPUT_ERROR, "load_message": str(e)})
    return out


def _tasks(files: Iterable[tuple[str, Path]]) -> list[dict[str, Any]]:
    """Files grouped into loading tasks: up to TXT_FILES_PER_TASK .txt files, or one JSONL or dataset file."""
    tasks: list[dict[str, Any]] = []
    for kind, path in files:
        if kind == "txt" and tasks and tasks[-1]["kind"] == "txt" and len(tasks[-1]["paths"]) < TXT_FILES_PER_TASK:
            tasks[-1]["paths"].append(str(path))
        else:
            tasks.append({"kind": kind, "paths": [str(path)]})
    return tasks


def read_articles(inputs: Iterable[str | Path], load_options: LoadOptions | None = None) -> ray.data.Dataset:
    """The articles of ``claims extract`` inputs (.txt files and folders, JSONL, Parquet,
    JSON, saved Hugging Face datasets) as a Ray Dataset of article rows, read by Ray tasks
    on the driver's node (the paths are the driver's). A missing or unknown input is an
    InputError here, before anything runs."""
    ray = _import_ray()
    from ray.data import TaskPoolStrategy

    opts = load_options or LoadOptions()
    tasks = _tasks(input_files(inputs))
    ds = ray.data.from_items(tasks, override_num_blocks=len(tasks))
    # A block goes to one worker whole: small blocks spread one large file over all of them.
    ds.context.target_max_block_size = ARTICLE_BLOCK_BYTES
    # reading is light next to extracting: no CPU reserved, so that it never waits behind the workers
    return ds.flat_map(load_file, fn_kwargs={"load_options": vars(opts)}, num_cpus=0, compute=TaskPoolStrategy(size=2),
                       label_selector={"ray.io/node-id": ray.get_runtime_context().get_node_id()})


# --------------------------------------------------------------------------- records out


def extract_dataset(
    ds: ray.data.Dataset,
    settings: ExtractionSettings | None = None,
    *,
    workers: int | None = None,
    api_key: str | None = None,
    batch_size: int | None = None,
    load_options: LoadOptions | None = None,
    skip: Any = None,
    with_stats: bool = False,
    num_cpus: float | None = None,
    **fields: Any,
) -> ray.data.Dataset:
    """Articles to records on ``workers`` actors, one backend each, built from ``settings``
    (or settings given as keywords). A rules/sentences worker holds ``num_cpus`` (default 1)
    and the default is one worker per CPU but one, which is left to the stages that read
    and write the dataset (with every CPU held by a worker, they would wait forever); an
    LLM worker mostly waits on its server and holds a quarter of a CPU. Each worker gets its
    share of ``jobs``, ``rpm``/``tpm`` and budgets (``rows.worker_settings``) and its own
    connection pool. Lazy, like any Ray Dataset: nothing runs until it is consumed.

    Each output row is one article: ``kind`` (claims, failure, or stop: the job could not
    go on, e.g. its budget is spent; such articles are not done), ``article_id``,
    ``claims`` (count), ``error`` (failure kind), ``record`` (the exact claims.jsonl or
    failures.jsonl line, an ``ArticleClaims``/``ArticleFailure`` as JSON)."""
    from ray.data import ActorPoolStrategy

    from claims.extract.engines.worker import ExtractBatch

    s = make_settings(settings, **fields) if fields or settings is None else settings
    n = workers or (cluster_cpus() if s.is_llm else max(1, cluster_cpus() - 1))
    share, kwargs = worker_kwargs(s, n, api_key=api_key, load_options=load_options, skip=skip, with_stats=with_stats)
    compute = ActorPoolStrategy(size=n, max_concurrent_calls_per_actor=LLM_CALLS_PER_WORKER if s.is_llm else 1,
                                enable_true_multi_threading=s.is_llm)
    return ds.map_batches(ExtractBatch, fn_constructor_kwargs=kwargs, batch_size=batch_size or default_batch(share),
                          batch_format="pyarrow", compute=compute, num_cpus=worker_cpus(s, num_cpus))


def worker_cpus(s: ExtractionSettings, num_cpus: float | None = None) -> float:
    """A rules/sentences worker keeps a CPU busy; an LLM worker mostly waits on its server."""
    return num_cpus if num_cpus is not None else (LLM_WORKER_CPUS if s.is_llm else 1)


def default_batch(share: ExtractionSettings) -> int:
    return LLM_BATCH_PER_JOB * share.jobs if share.is_llm else CPU_BATCH


# --------------------------------------------------------------------------- the job


@dataclass
class RayJob(PoolJob):
    """``Job`` on Ray: the same run directory, manifest and resume; the work on actors."""

    engine: ClassVar[str] = "ray"
    address: str | None = None  # default: a local instance started for the job
    batch_size: int | None = None

    def _config(self) -> dict[str, Any]:
        return {**super()._config(), "ray_address": self.address or "local"}

    def _execute(self, done: set[str], writer: RunWriter, summary: JobSummary) -> str:
        """The driver reads the inputs with the local runner's loader (the paths are its own;
        a bad input is the same error at the same point) and hands batches to the actors
        itself: a finished article is never sent, and the driver's only other work is to
        write what comes back."""
        s = self._worker_settings()
        from claims.extract.engines.worker import ExtractBatch

        self._t0 = time.monotonic()
        with ray_session(self.address, num_cpus=self.workers) as ray:
            self._timings["ray_init_seconds"] = round(time.monotonic() - self._t0, 3)
            n = self._workers_used = self.workers or cluster_cpus()
            share, kwargs = worker_kwargs(s, n, load_options=self.load_options, with_stats=True)
            # a killed or lost actor is restarted and its unfinished calls run again there
            worker = ray.remote(ExtractBatch).options(num_cpus=worker_cpus(s), max_restarts=-1, max_task_retries=-1,
                                                      max_concurrency=LLM_CALLS_PER_WORKER if s.is_llm else 1)
            actors = [worker.remote(**kwargs) for _ in range(n)]
            batches = self._batches(done, self.batch_size or default_batch(share))
            return self._dispatch(ray, actors, batches, writer, summary, per_actor=LLM_CALLS_PER_WORKER if s.is_llm else CPU_CALLS_PER_WORKER)

    def _batches(self, done: set[str], size: int) -> Iterator[list[dict[str, Any]]]:
        rows: list[dict[str, Any]] = []
        for row in self._rows(done):
            rows.append(row)
            if len(rows) == size:
                yield rows
                rows = []
        if rows:
            yield rows

    def _dispatch(self, ray: Any, actors: list[Any], batches: Iterator[list[dict[str, Any]]], writer: RunWriter, summary: JobSummary, *, per_actor: int) -> str:
        """Keep ``per_actor`` batches at each actor (the next one waits there while one runs),
        write each result as it comes back; after a stop row, send nothing more and write
        what is still in flight (it is done)."""
        in_flight: dict[Any, int] = {}  # result -> actor
        load = [0] * len(actors)
        streak = FailureStreak()
        stop: JobStop | None = None
        more = True
        while True:
            while more and stop is None:
                a = min(range(len(actors)), key=load.__getitem__)
                if load[a] >= per_actor:
                    break
                batch = next(batches, None)
                if batch is None:
                    more = False
                    break
                in_flight[actors[a].extract.remote(batch)] = a
                load[a] += 1
            if not in_flight:
                break
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.5)  # a timeout, so that Ctrl-C gets through
            for ref in ready:
                load[in_flight.pop(ref)] -= 1
                trouble = self._take(ray.get(ref), writer, summary, streak)
                stop = stop or trouble  # the first reason wins
        return self._ended(stop, summary)

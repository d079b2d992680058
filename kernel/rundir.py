"""The run directory: the one owner of its format (file names, writer, reader, repair, summary).

A run directory holds ``claims.jsonl`` (one ArticleClaims per line, appended as each
article finishes), ``failures.jsonl`` (one ArticleFailure per failed article) and
``manifest.json`` (written atomically at start and end). Each JSONL line is written
with a single ``write`` and flushed, so a kill can at worst leave one partial last
line: the writer's next session cuts it off (``repair``), readers skip it with a note.
Any other bad line is an error naming ``file:line``, because a silently skipped record
would score as all-missed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_json, atomic_write_text
from claims.kernel.schema import ArticleClaims, ArticleFailure, Usage

CLAIMS = "claims.jsonl"
FAILURES = "failures.jsonl"
MANIFEST = "manifest.json"
FILES = (CLAIMS, FAILURES, MANIFEST)


class RunError(UserError):
    """A run directory cannot be read; the message names the file (and line) and the problem."""


def now() -> str:
    """The timestamp format of manifests (UTC, seconds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / CLAIMS).is_file()


# --------------------------------------------------------------------------- raw scanning


def scan_jsonl(path: Path, *, repair: bool = False) -> Iterator[dict]:
    """Complete records of a JSONL file as plain dicts; a partial last line (from a kill)
    ends the scan, and is cut off when ``repair`` is set (only the writer repairs)."""
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


def iter_records(run_dir: str | Path) -> Iterable[ArticleClaims]:
    for rec in scan_jsonl(Path(run_dir) / CLAIMS):
        yield ArticleClaims.model_validate(rec)


def iter_failures(run_dir: str | Path) -> Iterable[ArticleFailure]:
    for rec in scan_jsonl(Path(run_dir) / FAILURES):
        yield ArticleFailure.model_validate(rec)


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The manifest as written; RunError when it is missing or unreadable."""
    path = Path(run_dir) / MANIFEST
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: no manifest") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RunError(f"{path}: unreadable manifest ({_first_line(e)})") from None
    if not isinstance(m, dict):
        raise RunError(f"{path}: the manifest is not a JSON object")
    return m


def summarize(run_dir: Path) -> dict[str, Any]:
    """Counts and usage over the whole run directory (all sessions), from the files themselves.

    Records were validated when written, so this reads plain JSON: a manifest of a
    20,000-article run must not cost a second full validation.
    """
    usage: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    articles = claims = grounded = 0
    for rec in scan_jsonl(run_dir / CLAIMS):
        articles += 1
        if rec.get("language"):
            languages[rec["language"]] += 1
        claims += len(rec["claims"])
        grounded += sum(bool(c.get("grounded", True)) for c in rec["claims"])
        usage.update(rec.get("usage") or {})
    failures: Counter[str] = Counter()
    for rec in scan_jsonl(run_dir / FAILURES):
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
        "languages": dict(sorted(languages.items())),
    }


# --------------------------------------------------------------------------- writing


class RunWriter:
    """Opens a run directory for a job session: repairs a torn last line, keeps what is
    done, clears old failures (a session retries them), and appends records line by
    line so that each line is whole or absent."""

    def __init__(self, run_dir: Path, *, overwrite: bool = False, check_previous: Callable[[dict[str, Any]], None] | None = None):
        """``check_previous`` sees the previous session's manifest before anything is
        touched, and raises to refuse the resume (different settings)."""
        if run_dir.exists() and not run_dir.is_dir():
            raise UserError(f"{run_dir}: exists and is not a directory")
        run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = run_dir
        if overwrite:
            for name in FILES:
                (run_dir / name).unlink(missing_ok=True)
        self.previous_manifest: dict[str, Any] = {}
        if (run_dir / MANIFEST).exists():
            try:
                self.previous_manifest = read_manifest(run_dir)
            except RunError as e:
                raise RunError(f"{e}; use --overwrite to start over") from None
            if check_previous:
                check_previous(self.previous_manifest)
        self.done = {rec["article_id"] for rec in scan_jsonl(run_dir / CLAIMS, repair=True)}
        # failed articles are retried; their old records go (rebuilt as this session goes)
        atomic_write_text(run_dir / FAILURES, "")
        self._claims = (run_dir / CLAIMS).open("ab")
        self._failures = (run_dir / FAILURES).open("ab")

    @staticmethod
    def _append(fh: Any, line: str) -> None:
        fh.write((line + "\n").encode("utf-8"))
        fh.flush()

    def claims(self, rec: ArticleClaims) -> None:
        self._append(self._claims, rec.model_dump_json())

    def claims_json(self, line: str) -> None:
        """A record that is already ``ArticleClaims.model_dump_json()`` (made by a Ray worker):
        the same line, without validating and dumping it again on the one writing process."""
        self._append(self._claims, line)

    def failure(self, rec: ArticleFailure) -> None:
        self._append(self._failures, rec.model_dump_json())

    def manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_json(self.run_dir / MANIFEST, manifest)

    def close(self) -> None:
        for fh in (self._claims, self._failures):
            if fh.closed:
                continue
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()


# --------------------------------------------------------------------------- reading for evaluation


@dataclass
class Run:
    path: Path
    records: dict[str, ArticleClaims] = field(default_factory=dict)
    failures: dict[str, ArticleFailure] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name or str(self.path)

    def describe(self) -> tuple[str | None, str | None, str | None]:
        """(backend, model, prompt id@version) from the first record's provenance."""
        for rec in self.records.values():
            p = rec.provenance
            prompt = f"{p.prompt.id}@{p.prompt.version}" if p.prompt else None
            return p.backend, p.model, prompt
        if self.manifest:
            cfg = self.manifest.get("config", self.manifest)
            if isinstance(cfg, dict):
                return cfg.get("backend"), cfg.get("model"), None
        return None, None, None


def _first_line(e: Exception) -> str:
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        return f"{loc}: {err['msg']}"
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _read_jsonl(path: Path, model: type, *, what: str) -> tuple[list[Any], list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RunError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RunError(f"{path}: not UTF-8 (byte {e.start})") from None
    lines = text.split("\n")
    complete = text.endswith("\n") or text == ""
    out: list[Any] = []
    notes: list[str] = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last = no == len(lines) and not complete
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            if is_last:
                notes.append(f"{path}:{no}: truncated last line skipped (an interrupted write)")
                continue
            raise RunError(f"{path}:{no}: not valid JSON: {e.msg} at column {e.colno}") from None
        try:
            out.append(model.model_validate(data))
        except ValidationError as e:
            raise RunError(f"{path}:{no}: not a valid {what}: {_first_line(e)}") from None
    return out, notes


def load_run(path: str | Path) -> Run:
    """Load a run directory (or a claims.jsonl file directly), validating every line."""
    p = Path(path)
    if p.is_file() and p.suffix == ".jsonl":
        claims_file, root = p, p.parent
    else:
        root = p
        if not root.exists():
            raise RunError(f"{root}: no such run directory")
        if not root.is_dir():
            raise RunError(f"{root}: not a run directory (expected a folder holding {CLAIMS})")
        claims_file = root / CLAIMS
        if not claims_file.exists():
            raise RunError(f"{root}: no {CLAIMS}; is this a run directory written by `claims extract`?")
    run = Run(path=root)
    records, notes = _read_jsonl(claims_file, ArticleClaims, what="claims record")
    run.notes.extend(notes)
    for rec in records:
        if rec.article_id in run.records:
            run.notes.append(f"{claims_file}: article {rec.article_id!r} appears more than once; the last record is used")
        run.records[rec.article_id] = rec
    failures_file = root / FAILURES
    if failures_file.exists():
        fails, notes = _read_jsonl(failures_file, ArticleFailure, what="failure record")
        run.notes.extend(notes)
        run.failures = {f.article_id: f for f in fails}
    if (root / MANIFEST).exists():
        try:
            run.manifest = read_manifest(root)
        except RunError as e:
            run.notes.append(f"{e}; ignored")
    return run

"""The run directory: the one owner of its format (file names, writer, reader, repair, summary).

A run directory holds ``claims.jsonl`` (one ArticleClaims per line, appended as each
article finishes), ``failures.jsonl`` (one ArticleFailure per failed article) and
``manifest.json`` (written atomically at start and end). Each JSONL line is written
with a single ``write`` and flushed, so a kill can at worst leave one partial last
line: the writer's next session cuts it off (``repair``), readers skip it with a note.
Any other bad line is an error naming ``file:line``, because a silently skipped record
would score as all-missed.

Readers stream. Evaluation asks for the gold's articles only (``load_run(only=...)``):
each line's article id is read from its first bytes (the writer puts it first), and only
the lines of wanted articles are parsed and validated, so scoring a million-article run
against a few hundred gold articles costs what the gold costs (``scan_records`` says what
happens to damaged lines there).
"""

from __future__ import annotations

import json
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_json, atomic_write_text
from claims.kernel.schema import ArticleClaims, ArticleFailure, Provenance, Usage

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


@dataclass
class RunTally:
    """The manifest's counts of a run directory, kept as its records are read and written:
    a manifest is written at the start and the end of every session, and recounting a
    million-article run from its files each time would cost minutes. The writer tallies
    the records it finds when it opens the run (it parses each of them anyway, for the
    ids done) and each record it appends."""

    articles: int = 0
    claims: int = 0
    grounded: int = 0
    usage: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def add_claims(self, facts: dict[str, Any]) -> None:
        """One claims record's ``record_facts`` (or the record itself, as plain JSON)."""
        self.articles += 1
        claims = facts["claims"]
        if isinstance(claims, list):
            self.grounded += sum(bool(c.get("grounded", True)) for c in claims)
            claims = len(claims)
        else:
            self.grounded += facts["grounded"]
        self.claims += claims
        if facts.get("language"):
            self.languages[facts["language"]] += 1
        self.usage.update(facts.get("usage") or {})

    def add_failure(self, error: str, usage: dict[str, int] | None) -> None:
        self.failures[error] += 1
        self.usage.update(usage or {})

    def fields(self) -> dict[str, Any]:
        """The manifest's count fields."""
        return {
            "articles_done": self.articles,
            "articles_failed": sum(self.failures.values()),
            "failures_by_error": dict(self.failures),
            "claims": self.claims,
            "claims_grounded": self.grounded,
            "claims_ungrounded": self.claims - self.grounded,
            "usage": Usage(**{k: self.usage[k] for k in Usage.model_fields}).model_dump(),
            "languages": dict(sorted(self.languages.items())),
        }


def record_facts(rec: ArticleClaims) -> dict[str, Any]:
    """What ``RunTally`` counts of a record, without its claims: sent along with a record
    that a worker serialized, so that the writing process need not parse it again."""
    return {"claims": len(rec.claims), "grounded": sum(c.grounded for c in rec.claims), "language": rec.language,
            "usage": rec.usage.model_dump()}


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
        self.tally = RunTally()  # failures are not carried over: they are retried
        self.done: set[str] = set()
        for rec in scan_jsonl(run_dir / CLAIMS, repair=True):
            self.done.add(rec["article_id"])
            self.tally.add_claims(rec)
        # failed articles are retried; their old records go (rebuilt as this session goes)
        atomic_write_text(run_dir / FAILURES, "")
        self._claims = (run_dir / CLAIMS).open("ab")
        self._failures = (run_dir / FAILURES).open("ab")

    @staticmethod
    def _append(fh: Any, line: str) -> None:
        fh.write((line + "\n").encode("utf-8"))
        fh.flush()

    def claims(self, rec: ArticleClaims) -> None:
        self._append(self._claims, rec.to_json())
        self.tally.add_claims(record_facts(rec))

    def claims_json(self, line: str, facts: dict[str, Any] | None = None) -> None:
        """A record that is already ``ArticleClaims.model_dump_json()`` (made by a worker):
        the same line, without validating and dumping it again on the one writing process;
        ``facts`` (its ``record_facts``) spare parsing it for the counts."""
        self._append(self._claims, line)
        self.tally.add_claims(facts if facts is not None else json.loads(line))

    def failure(self, rec: ArticleFailure) -> None:
        self._append(self._failures, rec.model_dump_json())
        self.tally.add_failure(rec.error, rec.usage.model_dump())

    def manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write_json(self.run_dir / MANIFEST, manifest)

    def close(self) -> None:
        for fh in (self._claims, self._failures):
            if fh.closed:
                continue
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()


# --------------------------------------------------------------------------- reading records

# Every line RunWriter writes begins with this (``model_dump_json`` keeps field order and
# article_id is the first field), so a filtered reader finds the id without parsing the line.
_PREFIX = b'{"article_id":"'
# Another writer's spacing (``json.dumps``): the same key first, with whitespace around it.
_SPACED_PREFIX = re.compile(rb'\s*\{\s*"article_id"\s*:\s*"([^"\\]*)"')
SAMPLE = 100  # ids of the other articles kept for reports (the rest are only counted)

R = TypeVar("R", ArticleClaims, ArticleFailure)


def _first_line(e: Exception) -> str:
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        return f"{loc}: {err['msg']}"
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _json_problem(e: ValueError) -> str:
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 (byte {e.start} of the line)"
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON: {e.msg} at column {e.colno}"
    return f"not valid JSON: {_first_line(e)}"


def distinct(hashes: array) -> int:
    """How many distinct values ``hashes`` holds; sorts it in place (``np.unique`` would take
    seven times its size again: 57 MB at a million)."""
    if not hashes:
        return 0
    import numpy as np  # only filtered reads need it

    a = np.frombuffer(hashes, dtype=np.int64)
    a.sort()
    return 1 + int(np.count_nonzero(a[1:] != a[:-1]))


@dataclass
class Scan:
    """What a scan saw besides the records it yielded.

    A filtered scan (``only``) never parses the lines of other articles: it reads each id
    from the line's first bytes and keeps a 64-bit hash of it (8 bytes an article, where a
    set of ids would hold ~90), so a million-article run costs megabytes. Distinct ids are
    counted from the hashes; two ids sharing a hash (odds ~1e-8 at a million) count once.
    """

    path: Path
    other_hashes: array = field(default_factory=lambda: array("q"))
    other_sample: list[str] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    truncated: int | None = None
    first_line: bytes | None = None
    found: set[str] = field(default_factory=set)

    def other_articles(self) -> int:
        """Distinct article ids among the lines not kept."""
        return distinct(self.other_hashes)

    def notes(self) -> list[str]:
        notes = []
        if self.truncated is not None:
            notes.append(f"{self.path}:{self.truncated}: truncated last line skipped (an interrupted write)")
        if self.unreadable:
            no, problem = self.unreadable[0]
            notes.append(f"{self.path}: {len(self.unreadable)} line(s) whose article id cannot be read were skipped "
                         f"(first: line {no}: {problem})")
        repeats = len(self.other_hashes) - self.other_articles()
        if repeats:
            notes.append(f"{self.path}: {repeats} record(s) repeat other articles (not read; each article counted once)")
        return notes

    def check(self, wanted: Collection[str]) -> None:
        """A line whose id cannot be read might be the record of a wanted article that has
        none: refuse to go on rather than score that article as all-missed."""
        missing = [a for a in wanted if a not in self.found]
        if self.unreadable and missing:
            no, problem = self.unreadable[0]
            raise RunError(f"{self.path}:{no}: {problem}; its article id cannot be read and {len(missing)} requested "
                           f"article(s) have no record (first: {missing[0]!r}): it may be one of them; "
                           "repair or remove the line")


def scan_records(path: Path, model: type[R], *, what: str, only: Collection[str] | None = None,
                 scan: Scan | None = None) -> Iterator[tuple[int, R]]:
    """(line number, validated record) for each line of a run JSONL, streamed.

    Without ``only`` every line is parsed and validated. With ``only`` (article ids), just
    those articles' lines are; the rest are counted in ``scan`` (see ``Scan``). Errors:

    - a line of a wanted article (every line, without ``only``) that is not JSON or not a
      valid record: RunError naming ``file:line``, as a skipped record would score as
      all-missed;
    - a last line without its newline that does not parse: skipped with a note (a kill
      mid-write; the writer's next session cuts it off);
    - a line whose article id cannot be read at all (damaged before the id, or JSON without
      a string ``article_id``): RunError at once when it mentions a wanted id; otherwise
      counted in ``scan.unreadable``, and ``Scan.check`` refuses the run when a wanted
      article then has no record (``load_run`` and ``iter_records`` call it);
    - a damaged line of another article is not seen: it is never parsed and cannot change
      a score.
    """
    scan = scan if scan is not None else Scan(path)
    wanted = None if only is None else {a.encode("utf-8") for a in only}
    try:
        fh = path.open("rb")
    except OSError as e:
        raise RunError(f"{path}: cannot read: {e.strerror}") from None
    hashes, sample, found = scan.other_hashes, scan.other_sample, scan.found
    add, start = hashes.append, len(_PREFIX)
    with fh:
        for no, raw in enumerate(fh, 1):
            ident = None
            if wanted is not None:
                # the hot path (~1 µs a line): the id up to the next quote, one set lookup, one append
                if raw.startswith(_PREFIX):
                    end = raw.find(b'"', start)
                    ident = raw[start:end] if end >= start else None
                else:
                    m = _SPACED_PREFIX.match(raw)
                    ident = m.group(1) if m else None
                if ident is not None and b"\\" in ident:
                    ident = None  # an escaped id: the line is parsed to read it
                if ident is not None and ident not in wanted and raw[-1:] == b"\n":
                    add(hash(ident))
                    if len(sample) < SAMPLE:
                        sample.append(ident.decode("utf-8", "replace"))
                        if scan.first_line is None:
                            scan.first_line = raw
                    continue
            if not raw.strip():
                continue
            if scan.first_line is None:
                scan.first_line = raw
            try:
                data = json.loads(raw.decode("utf-8"))  # bytes would let json guess UTF-16 from NULs
            except ValueError as e:
                if not raw.endswith(b"\n"):
                    scan.truncated = no
                    continue
                if wanted is None or ident is not None:
                    raise RunError(f"{path}:{no}: {_json_problem(e)}") from None
                _unreadable(scan, wanted, no, _json_problem(e), raw)
                continue
            if wanted is not None:
                if ident is None:
                    aid = data.get("article_id") if isinstance(data, dict) else None
                    if not isinstance(aid, str):
                        _unreadable(scan, wanted, no, "no article_id string", raw)
                        continue
                    ident = aid.encode("utf-8")
                if ident not in wanted:
                    hashes.append(hash(ident))
                    if len(sample) < SAMPLE:
                        sample.append(ident.decode("utf-8", "replace"))
                    continue
            try:
                rec = model.model_validate(data)
            except ValidationError as e:
                raise RunError(f"{path}:{no}: not a valid {what}: {_first_line(e)}") from None
            found.add(rec.article_id)
            yield no, rec


_QUOTED = re.compile(rb'(?="([^"\\]*)")')  # every quoted run, overlapping: damage can unpair quotes


def _unreadable(scan: Scan, wanted: set[bytes], no: int, problem: str, raw: bytes) -> None:
    named = next((m for m in _QUOTED.findall(raw) if m in wanted), None)
    if named is not None:
        raise RunError(f"{scan.path}:{no}: {problem} (a line that names requested article {named.decode()!r})")
    scan.unreadable.append((no, problem))


def iter_records(run_dir: str | Path, *, only: Collection[str] | None = None) -> Iterator[ArticleClaims]:
    """A run's records in file order (repeats included), streamed; ``only``: just those
    articles', the other lines skipped unparsed. Errors name ``file:line`` (``scan_records``)."""
    path = Path(run_dir) / CLAIMS
    scan = Scan(path)
    for _, rec in scan_records(path, ArticleClaims, what="claims record", only=only, scan=scan):
        yield rec
    if only is not None:
        scan.check(only)


def iter_failures(run_dir: str | Path, *, only: Collection[str] | None = None) -> Iterator[ArticleFailure]:
    path = Path(run_dir) / FAILURES
    if not path.exists():
        return
    for _, rec in scan_records(path, ArticleFailure, what="failure record", only=only):
        yield rec


# --------------------------------------------------------------------------- reading for evaluation


@dataclass
class Others:
    """The articles of a run that a filtered load (``load_run(only=...)``) counted but did not keep."""

    records: int = 0  # distinct articles with a claims record
    failures: int = 0  # distinct articles with a failure record
    sample: list[str] = field(default_factory=list)  # the first ids met (at most SAMPLE)


@dataclass
class Run:
    path: Path
    records: dict[str, ArticleClaims] = field(default_factory=dict)
    failures: dict[str, ArticleFailure] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    others: Others = field(default_factory=Others)
    provenance: Provenance | None = None  # the first line's, when that record was not kept

    @property
    def name(self) -> str:
        return self.path.name or str(self.path)

    @property
    def n_records(self) -> int:
        """Articles with a claims record in the run, kept or not."""
        return len(self.records) + self.others.records

    @property
    def n_failures(self) -> int:
        return len(self.failures) + self.others.failures

    def describe(self) -> tuple[str | None, str | None, str | None]:
        """(backend, model, prompt id@version) from the first record's provenance."""
        p = self.provenance or next((rec.provenance for rec in self.records.values()), None)
        if p is not None:
            prompt = f"{p.prompt.id}@{p.prompt.version}" if p.prompt else None
            return p.backend, p.model, prompt
        if self.manifest:
            cfg = self.manifest.get("config", self.manifest)
            if isinstance(cfg, dict):
                return cfg.get("backend"), cfg.get("model"), None
        return None, None, None


def _first_provenance(scan: Scan, records: dict[str, ArticleClaims]) -> Provenance | None:
    """The provenance on the file's first line, read from that one line when it was not kept."""
    if scan.first_line is None:
        return None
    try:
        data = json.loads(scan.first_line)
        if data.get("article_id") in records:
            return None  # describe() reads the kept record
        return Provenance.model_validate(data["provenance"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _claims_file(p: Path) -> tuple[Path, Path]:
    if p.is_file() and p.suffix == ".jsonl":
        return p, p.parent
    if not p.exists():
        raise RunError(f"{p}: no such run directory")
    if not p.is_dir():
        raise RunError(f"{p}: not a run directory (expected a folder holding {CLAIMS})")
    if not (p / CLAIMS).exists():
        raise RunError(f"{p}: no {CLAIMS}; is this a run directory written by `claims extract`?")
    return p / CLAIMS, p


def load_run(path: str | Path, *, only: Collection[str] | None = None) -> Run:
    """Load a run directory (or a claims.jsonl file directly), streamed line by line.

    Without ``only`` every record is validated and kept. With ``only`` (the gold's article
    ids) just those are; the others are counted in ``run.others`` and never parsed, so
    memory and time follow the gold, not the run (see ``scan_records`` for damaged lines).
    A repeated article keeps its last record, with a note.
    """
    claims_file, root = _claims_file(Path(path))
    run = Run(path=root)
    scan = Scan(claims_file)
    repeats: list[str] = []
    for _, rec in scan_records(claims_file, ArticleClaims, what="claims record", only=only, scan=scan):
        if rec.article_id in run.records:
            repeats.append(f"{claims_file}: article {rec.article_id!r} appears more than once; the last record is used")
        run.records[rec.article_id] = rec
    if only is not None:
        scan.check(only)
        run.others = Others(records=scan.other_articles(), sample=scan.other_sample)
        run.provenance = _first_provenance(scan, run.records)
    run.notes.extend(scan.notes() + repeats)
    failures_file = root / FAILURES
    if failures_file.exists():
        fscan = Scan(failures_file)
        # a failure line whose id cannot be read is only a note: a gold article without a
        # claims record scores all-missed whether or not it is listed as failed
        run.failures = {f.article_id: f for _, f in scan_records(failures_file, ArticleFailure, what="failure record",
                                                                 only=only, scan=fscan)}
        run.notes.extend(fscan.notes())
        run.others.failures = fscan.other_articles()
    if (root / MANIFEST).exists():
        try:
            run.manifest = read_manifest(root)
        except RunError as e:
            run.notes.append(f"{e}; ignored")
    return run

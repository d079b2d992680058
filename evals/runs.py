"""Reading a RUN_DIR written by `claims extract`: claims.jsonl, failures.jsonl, manifest.json.

Evaluation re-scores what a run wrote and never calls a model. A job killed mid-write
may leave a truncated last line in claims.jsonl; that line is skipped with a note
(the job would redo that article on resume). Any other bad line is an error naming
``file:line``, because a silently skipped record would score as all-missed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claims.kernel.errors import UserError
from claims.kernel.schema import ArticleClaims, ArticleFailure


class RunError(UserError):
    """A run directory cannot be read; the message names the file (and line) and the problem."""


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
    """Load a run directory (or a claims.jsonl file directly)."""
    p = Path(path)
    if p.is_file() and p.suffix == ".jsonl":
        claims_file, root = p, p.parent
    else:
        root = p
        if not root.exists():
            raise RunError(f"{root}: no such run directory")
        if not root.is_dir():
            raise RunError(f"{root}: not a run directory (expected a folder holding claims.jsonl)")
        claims_file = root / "claims.jsonl"
        if not claims_file.exists():
            raise RunError(f"{root}: no claims.jsonl; is this a run directory written by `claims extract`?")
    run = Run(path=root)
    records, notes = _read_jsonl(claims_file, ArticleClaims, what="claims record")
    run.notes.extend(notes)
    for rec in records:
        if rec.article_id in run.records:
            run.notes.append(f"{claims_file}: article {rec.article_id!r} appears more than once; the last record is used")
        run.records[rec.article_id] = rec
    failures_file = root / "failures.jsonl"
    if failures_file.exists():
        fails, notes = _read_jsonl(failures_file, ArticleFailure, what="failure record")
        run.notes.extend(notes)
        run.failures = {f.article_id: f for f in fails}
    manifest_file = root / "manifest.json"
    if manifest_file.exists():
        try:
            m = json.loads(manifest_file.read_text(encoding="utf-8"))
            run.manifest = m if isinstance(m, dict) else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            run.notes.append(f"{manifest_file}: unreadable, ignored ({_first_line(e)})")
    return run

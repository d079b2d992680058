"""Content-addressed cache of model responses, one JSON file per request.

Only answers the pipeline accepted (valid, not truncated, not refused) are written:
a bad answer must not be replayed to the next run, which would then fail the same way
without asking the server again.

The key hashes everything that decides the answer: endpoint host, model, prompt
template hash, output schema hash, output mode, sampling parameters, stage name and
the exact rendered messages (which contain the chunk text, hence the article). Any
change misses; nothing else (no API key, no header, no timestamp) enters the key or
the file. Files are written atomically, so a killed job never leaves a torn entry,
and replaying a recorded run needs no network at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_bytes
from claims.kernel.settings import CACHE_MODES

log = logging.getLogger("claims.extract.cache")

CACHE_FORMAT = 1


def canonical_json(value: Any) -> str:
    """The JSON a key is hashed over: sorted keys, no whitespace."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def cache_key(parts: dict[str, Any], encoded: dict[str, str] | None = None) -> str:
    """sha256 over the canonical JSON of the key parts. ``encoded``: parts already in
    canonical JSON (a request's messages, ~10 KB, are encoded once and hashed under every
    output mode auto mode looks up); the blob is the same as if they were encoded here."""
    if not encoded:
        blob = canonical_json(parts)
    else:
        merged = {k: canonical_json(v) for k, v in parts.items()} | encoded
        blob = "{" + ",".join(f"{canonical_json(k)}:{merged[k]}" for k in sorted(merged)) + "}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    content: str | None
    finish_reason: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    refusal: str | None = None
    # where it belongs (not stored): its cache key and output mode, and whether it came from the cache
    key: str | None = None
    mode: str | None = None
    from_cache: bool = False
    # the chunk's grounded claims kept with the answer (mode "on"): (grounding key, JSON array)
    grounded: tuple[str, str] | None = None


class _Writer:
    """Entries written by a thread of their own. Creating a file costs 0.5-1 ms of system
    time on a common ext4 disk, about a fifth of a job's CPU per article, and a job's
    event loop is one thread: there the writes delay every other answer. The syscalls
    release the GIL, so here they overlap with the loop's work. The queue is bounded:
    a slow disk slows the job down instead of filling memory."""

    def __init__(self, depth: int = 256):
        self.queue: queue.Queue[tuple[Path, bytes]] = queue.Queue(depth)
        self.failed = 0
        self.first_error: OSError | None = None
        # a daemon: entries not yet written when the process dies are made again next time
        threading.Thread(target=self._run, name="claims-cache-writer", daemon=True).start()

    def _run(self) -> None:
        while True:
            path, data = self.queue.get()
            try:
                atomic_write_bytes(path, data, durable=False)
            except OSError as e:
                self.failed += 1
                self.first_error = self.first_error or e
            finally:
                self.queue.task_done()


class ResponseCache:
    """``mode``: on (read and write), off, refresh (write only), replay (read only; a miss is an error upstream).

    ``background``: write entries from a thread (a job's event loop; ``flush`` before the
    entries are needed, as the provider does when it closes)."""

    def __init__(self, directory: str | Path, mode: str = "on", *, background: bool = False):
        if mode not in CACHE_MODES:
            raise UserError(f"unknown cache mode {mode!r}; choose one of {', '.join(CACHE_MODES)}")
        self.dir = Path(directory)
        self.mode = mode
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._background = background
        self._writer: _Writer | None = None
        self._lock = threading.Lock()

    def flush(self) -> None:
        """Wait for the entries handed to the writer thread; a write that failed (a full
        disk, a read-only folder) is a warning, not a failed article: its answer is in the run."""
        w = self._writer
        if w is None:
            return
        w.queue.join()
        if w.failed:
            log.warning("%d cache entr%s could not be written to %s: %s", w.failed, "y" if w.failed == 1 else "ies", self.dir, w.first_error)
            self.writes -= w.failed
            w.failed, w.first_error = 0, None

    @property
    def reads(self) -> bool:
        return self.mode in ("on", "replay")

    @property
    def writes_enabled(self) -> bool:
        return self.mode in ("on", "refresh")

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def _entries(self) -> list[Path]:
        return [f for f in self.dir.glob("??/*.json") if len(f.parent.name) == 2] if self.dir.is_dir() else []

    def has_entries(self) -> bool:
        """Whether any response is on disk (one directory listing, not a walk)."""
        return self.dir.is_dir() and any(len(d.name) == 2 and d.is_dir() for d in self.dir.iterdir())

    def size(self) -> tuple[int, int]:
        """(entries, bytes) on disk."""
        files = self._entries()
        return len(files), sum(f.stat().st_size for f in files)

    def clear(self) -> None:
        """Remove every entry (a recording made afresh); other files in the folder stay."""
        for f in self._entries():
            f.unlink()
        for shard in self.dir.glob("??"):
            if shard.is_dir() and not any(shard.iterdir()):
                shard.rmdir()

    def get(self, key: str, *, count_miss: bool = True) -> CachedResponse | None:
        if not self.reads:
            return None
        try:
            rec = json.loads(self.path(key).read_text(encoding="utf-8"))
            resp = rec["response"]
            hit = CachedResponse(
                content=resp.get("content"),
                finish_reason=resp.get("finish_reason"),
                prompt_tokens=int(resp.get("usage", {}).get("prompt_tokens", 0)),
                completion_tokens=int(resp.get("usage", {}).get("completion_tokens", 0)),
                refusal=resp.get("refusal"),
                key=key,
                mode=rec.get("meta", {}).get("mode"),
                from_cache=True,
                grounded=_grounded(rec) if self.mode == "on" else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.misses += count_miss  # absent or unreadable: a miss; a fresh answer overwrites it
            return None
        self.hits += 1
        return hit

    def evict(self, key: str) -> None:
        """Drop an entry that turned out unusable (written by an older version)."""
        self.path(key).unlink(missing_ok=True)

    def put(self, key: str, response: CachedResponse, meta: dict[str, Any] | None = None, grounded: tuple[str, str] | None = None) -> None:
        """``grounded``: the claims the pipeline grounded from this answer, under a key over
        the article and the grounding's provenance, so a warm re-run reads them back with
        the answer (one file, no re-parsing or re-grounding). Kept in mode "on" only:
        ``refresh`` records answers, and ``replay`` re-grounds them with the code it runs."""
        if not self.writes_enabled:
            return
        record = {
            "format": CACHE_FORMAT,
            "key": key,
            "meta": meta or {},
            "response": {
                "content": response.content,
                "finish_reason": response.finish_reason,
                "refusal": response.refusal,
                "usage": {"prompt_tokens": response.prompt_tokens, "completion_tokens": response.completion_tokens},
            },
        }
        if grounded and self.mode == "on":
            record["grounded"] = {"key": grounded[0], "claims": grounded[1]}
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.writes += 1
        if not self._background:
            atomic_write_bytes(self.path(key), data, durable=False)  # made again on a miss: no fsync
            return
        with self._lock:
            if self._writer is None:
                self._writer = _Writer()
        self._writer.queue.put((self.path(key), data))


def _grounded(rec: dict[str, Any]) -> tuple[str, str] | None:
    g = rec.get("grounded")
    if isinstance(g, dict) and isinstance(g.get("key"), str) and isinstance(g.get("claims"), str):
        return g["key"], g["claims"]
    return None

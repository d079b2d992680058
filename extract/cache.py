"""Content-addressed cache of model responses, one JSON entry per request: a file of its
own, or (a job's cache) a line appended to a pack file (``claims.extract.packs``).

Only answers the pipeline accepted (valid, not truncated, not refused) are written:
a bad answer must not be replayed to the next run, which would then fail the same way
without asking the server again.

The key hashes everything that decides the answer: endpoint host, model, prompt
template hash, output schema hash, output mode, sampling parameters, stage name and
the exact rendered messages (which contain the chunk text, hence the article). Any
change misses; nothing else (no API key, no header, no timestamp) enters the key or
the entry. Files are written atomically and a torn pack line reads as a miss, so a
killed job never leaves an entry that is read wrong, and replaying a recorded run needs
no network at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from claims.extract.packs import Packs
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_bytes
from claims.kernel.settings import CACHE_MODES

log = logging.getLogger("claims.extract.cache")

CACHE_FORMAT = 1


def canonical_json(value: Any) -> str:
    """The JSON a key is hashed over: sorted keys, no whitespace."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _turn_json(role: str, content: str) -> bytes:
    """``canonical_json({"content": content, "role": role})`` as UTF-8: the strings escaped
    by pydantic-core, the same escapes as ``json.dumps(ensure_ascii=False)`` (a test holds
    them to it) at a quarter of the cost on an article's turn."""
    return b'{"content":' + to_json(content) + b',"role":' + to_json(role) + b"}"


_message_json = lru_cache(maxsize=64)(_turn_json)


def messages_json(messages: list[dict[str, Any]]) -> bytes:
    """``canonical_json(messages)`` as UTF-8, the same bytes, with a template's fixed turns
    (the system prompt and the few-shot examples, ~10 KB that every article's request
    repeats, the same string objects each time) encoded once per process. Bytes, because
    the request's key hashes them and its body carries them: encoded once for both."""
    parts = [_message_json(m["role"], m["content"]) if len(m) == 2 and type(m.get("role")) is str and type(m.get("content")) is str
             else canonical_json(m).encode("utf-8") for m in messages]
    return b"[" + b",".join(parts) + b"]"


_SLOT = "\x00claims-encoded\x00"  # stands for a pre-encoded part; NUL characters are in no real key part


def cache_key(parts: dict[str, Any], encoded: dict[str, bytes] | None = None) -> str:
    """sha256 over the canonical JSON of the key parts. ``encoded``: parts already in
    canonical JSON, as UTF-8 (a request's messages, ~14 KB, encoded once for its key and
    its body); the bytes hashed are the same as if they were encoded here, fed to the
    hash piece by piece instead of copied into one blob."""
    encoded = encoded or {}
    rest = canonical_json(parts | {k: _SLOT + k for k in encoded}).encode("utf-8")
    h = hashlib.sha256()
    for k in sorted(encoded):  # the order canonical_json put their slots in
        head, _, rest = rest.partition(canonical_json(_SLOT + k).encode("utf-8"))
        h.update(head)
        h.update(encoded[k])
    h.update(rest)
    return h.hexdigest()


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


class ResponseCache:
    """``mode``: on (read and write), off, refresh (write only), replay (read only; a miss is an error upstream).

    ``packed``: in mode on, append entries to pack files (``claims.extract.packs``: a
    job's cache, where a file per entry would cost more than the rest of the cache);
    every other writer keeps a file per entry (a recording, to commit and diff). Reads
    look in both."""

    def __init__(self, directory: str | Path, mode: str = "on", *, packed: bool = False):
        if mode not in CACHE_MODES:
            raise UserError(f"unknown cache mode {mode!r}; choose one of {', '.join(CACHE_MODES)}")
        self.dir = Path(directory)
        self.mode = mode
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self.failed_writes = 0
        self.packs = Packs(self.dir)
        self._packed = packed and mode == "on"
        self._files: bool | None = None  # whether any per-entry file exists (looked up once)

    def close(self) -> None:
        self.packs.close()

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

    def _has_files(self) -> bool:
        return self.dir.is_dir() and any(len(d.name) == 2 and d.is_dir() for d in self.dir.iterdir())

    def has_entries(self) -> bool:
        """Whether any response is on disk (directory listings, not a walk)."""
        return self._has_files() or self.packs.exist()

    def size(self) -> tuple[int, int]:
        """(entries, bytes) on disk."""
        files = self._entries()
        packed, packed_bytes = self.packs.entries()
        return len(files) + packed, sum(f.stat().st_size for f in files) + packed_bytes

    def clear(self) -> None:
        """Remove every entry (a recording made afresh); other files in the folder stay."""
        for f in self._entries():
            f.unlink()
        for shard in self.dir.glob("??"):
            if shard.is_dir() and not any(shard.iterdir()):
                shard.rmdir()
        self.packs.clear()

    def _read(self, key: str) -> bytes | None:
        data = self.packs.get(key)
        if data is not None:
            return data
        if self._packed:
            if self._files is None:
                self._files = self._has_files()
            if not self._files:
                return None  # a job's cache with no per-entry file (a recording): none to try for every miss
        try:
            return self.path(key).read_bytes()
        except OSError:
            return None

    def get(self, key: str, *, count_miss: bool = True) -> CachedResponse | None:
        if not self.reads:
            return None
        try:
            data = self._read(key)
            if data is None:
                raise KeyError(key)
            rec, grounded = _split_grounded(data)
            if rec.get("key", key) != key:
                raise KeyError(key)
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
                grounded=grounded if self.mode == "on" else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.misses += count_miss  # absent or unreadable: a miss; a fresh answer overwrites it
            return None
        self.hits += 1
        return hit

    def evict(self, key: str) -> None:
        """Drop an entry that turned out unusable (written by an older version)."""
        if key in self.packs.index():
            self.packs.drop(key)
        self.path(key).unlink(missing_ok=True)

    def put(self, key: str, response: CachedResponse, meta: dict[str, Any] | None = None, grounded: tuple[str, str] | None = None) -> None:
        """``grounded``: the claims the pipeline grounded from this answer, under a key over
        the article and the grounding's provenance, so a warm re-run reads them back with
        the answer (one entry, no re-parsing or re-grounding). Kept in mode "on" only:
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
        # Encoded in Rust (the answer is ~10 KB to escape), the claims (already JSON) spliced
        # in raw: a worker's cost per article was ~0.2 ms here, most of it escaping them as a string.
        data = to_json(record)
        if grounded and self.mode == "on":
            data = b"".join((data[:-1], _GROUNDED, to_json(grounded[0]), b',"claims":', grounded[1].encode("utf-8"), b"}}"))
        data += b"\n"
        try:
            if self._packed:
                self.packs.append(key, data)
            else:
                atomic_write_bytes(self.path(key), data, durable=False)  # made again on a miss: no fsync
        except OSError as e:
            # a full disk or a read-only folder: the answer is in the run, only a re-run misses it
            if not self.failed_writes:
                log.warning("cache %s: cannot write (%s); answers are not kept for a re-run", self.dir, e)
            self.failed_writes += 1
            return
        self.writes += 1


_GROUNDED = b',"grounded":{"key":'  # where an entry's grounded claims start: last, their JSON raw


def _split_grounded(data: bytes) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """An entry and its grounded claims' JSON, which is not parsed here (the pipeline
    validates it straight into claims). The marker cannot occur earlier in the line: in a
    JSON string a quote is always escaped, so ``,"`` occurs only between members. An
    entry from an older version, with the claims as a string, is read as a whole."""
    at = data.find(_GROUNDED)
    if at < 0:
        rec = json.loads(data)
        g = rec.get("grounded")
        ok = isinstance(g, dict) and isinstance(g.get("key"), str) and isinstance(g.get("claims"), str)
        return rec, (g["key"], g["claims"]) if ok else None
    rec = json.loads(data[:at] + b"}")
    tail = data[at + len(_GROUNDED) :].rstrip()
    key_end = tail.find(b",")
    if key_end < 0 or not tail.endswith(b"}}") or not tail[key_end:].startswith(b',"claims":'):
        raise ValueError("torn grounded claims")
    return rec, (json.loads(tail[:key_end]), tail[key_end + len(b',"claims":') : -2].decode("utf-8"))

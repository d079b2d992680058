"""Atomic file writes: write a temp file beside the target, fsync, rename.

``durable=False`` skips the fsync for files that can be made again (cache entries): the
rename still keeps a reader from ever seeing half a file, and after a crash an entry
that did not reach the disk reads as unreadable, which a cache treats as a miss. An
fsync costs about a millisecond, and a job writes two cache files per article."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# mkstemp makes 0600 files; outputs (reports, runs) should get the usual umask-based mode.
_UMASK = os.umask(0)
os.umask(_UMASK)
_MODE = 0o666 & ~_UMASK


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temp file beside ``path`` for writers that stream (or need a path of their own):
    renamed onto ``path`` when the block succeeds, removed when it fails, so a killed
    writer never leaves a half-written file under the real name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path: str | Path, text: str, *, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def atomic_write_json(path: str | Path, obj: Any, *, durable: bool = True, indent: int | None = 2) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False, sort_keys=False) + "\n", durable=durable)

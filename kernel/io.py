"""Atomic file writes: write a temp file beside the target, fsync, rename.

``durable=False`` skips the fsync for files that can be made again (cache entries written
a file each: recordings, the similarity layer's caches): the rename still keeps a reader
from ever seeing half a file, and after a crash an entry that did not reach the disk
reads as unreadable, which a cache treats as a miss. An fsync costs about a millisecond."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Temp names unique to this process (pid, plus a token for hosts sharing a folder), made
# without tempfile's random names and its 0600 mode: os.open applies the umask, as a
# plain open() would, so outputs get the usual mode with no chmod.
_TOKEN = os.urandom(3).hex()
_SERIAL = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create_temp(path: Path) -> tuple[int, str]:
    """An open file descriptor and name for a new temp file beside ``path`` (its folder
    made on the first miss: most writes go to a folder that exists, one syscall)."""
    while True:
        tmp = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{_TOKEN}-{next(_SERIAL)}.tmp"
        try:
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(tmp, _CREATE, 0o666), tmp
        except FileExistsError:
            continue  # a leftover of a process with this pid and token: take the next name


@contextmanager
def _renamed_onto(path: Path) -> Iterator[tuple[int, str]]:
    """A new temp file beside ``path`` (descriptor and name), renamed onto ``path`` when the
    block succeeds and removed when it fails."""
    fd, tmp = _create_temp(path)
    try:
        yield fd, tmp
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temp file beside ``path`` for writers that stream (or need a path of their own):
    renamed onto ``path`` when the block succeeds, removed when it fails, so a killed
    writer never leaves a half-written file under the real name."""
    with _renamed_onto(Path(path)) as (fd, tmp):
        os.close(fd)
        yield Path(tmp)


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    with _renamed_onto(Path(path)) as (fd, _), open(fd, "wb", closefd=True) as fh:
        fh.write(data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")

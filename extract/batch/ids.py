"""Batch ids and files: the custom_id scheme, the meta and state files beside a batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from claims.kernel.errors import UserError

ENDPOINT = "/v1/chat/completions"
META_FORMAT = "claims-batch-meta"
META_VERSION = 1


class BatchError(UserError):
    """A batch file, meta file, results file or batch cannot be used; the message says which and why."""


def encode_custom_id(article_id: str, chunk_index: int) -> str:
    return f"{quote(article_id, safe='')}::{chunk_index}"


def decode_custom_id(custom_id: str) -> tuple[str, int]:
    """(article id, chunk index); ValueError for a custom_id this toolkit did not make."""
    enc, sep, idx = custom_id.rpartition("::")
    if not sep or not idx.isdigit():
        raise ValueError(f"custom_id {custom_id!r} is not <article id>::<chunk index>")
    return unquote(enc), int(idx)


def meta_path_for(batch_path: Path) -> Path:
    """batch.jsonl -> batch.meta.json (beside it)."""
    return Path(batch_path).with_suffix(".meta.json")


def state_path_for(batch_path: Path) -> Path:
    """batch.jsonl -> batch.state.json: the submitted batch's id and file id."""
    return Path(batch_path).with_suffix(".state.json")


def load_meta(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{p}: meta file not found (claims batch prepare writes it beside the batch file)") from None
    except (OSError, ValueError) as e:
        raise BatchError(f"{p}: unreadable meta file: {str(e)[:200]}") from None
    if not isinstance(meta, dict) or meta.get("format") != META_FORMAT:
        raise BatchError(f"{p}: not a claims batch meta file (format is not {META_FORMAT!r})")
    if meta.get("version") != META_VERSION:
        raise BatchError(f"{p}: meta version {meta.get('version')!r} is not supported (expected {META_VERSION})")
    return meta


def find_meta(results: list[Path]) -> Path:
    """The one *.meta.json beside the first results file (the usual one-folder workflow)."""
    folder = results[0].resolve().parent
    found = sorted(folder.glob("*.meta.json"))
    if len(found) == 1:
        return found[0]
    what = "no" if not found else f"{len(found)}"
    raise BatchError(f"{folder}: {what} *.meta.json files; pass --meta (the file claims batch prepare wrote beside the batch)")

"""``claims batch submit / status / collect``: the Batch API through the official client."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

from claims.extract.batch.ids import ENDPOINT, BatchError, meta_path_for, state_path_for
from claims.extract.transport import base_host, endpoint
from claims.kernel.io import atomic_output, atomic_write_json
from claims.kernel.rundir import now

TERMINAL = ("completed", "failed", "expired", "cancelled")


def make_client(base_url: str | None = None, api_key: str | None = None, timeout: float = 120.0) -> Any:
    """A synchronous OpenAI client (SDK retries on) with the same key rules as `claims extract`."""
    base_url, key = endpoint(base_url, api_key)
    return openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout)


def _api_call(what: str, fn: Callable[[], Any]) -> Any:
    """The SDK's errors as one-line BatchErrors (the key never appears: the SDK does not echo it)."""
    try:
        return fn()
    except openai.APIStatusError as e:
        raise BatchError(f"{what}: HTTP {e.status_code}: {str(e)[:300]}") from None
    except openai.APIError as e:
        raise BatchError(f"{what}: {type(e).__name__}: {str(e)[:300]}") from None


def resolve_batch_id(ref: str) -> str:
    """A batch id, or the path of the state file `submit` wrote beside the batch file."""
    p = Path(ref)
    if ref.endswith(".json") and p.is_file():
        try:
            return str(json.loads(p.read_text(encoding="utf-8"))["batch_id"])
        except (OSError, ValueError, KeyError, TypeError):
            raise BatchError(f"{p}: not a batch state file (no batch_id)") from None
    return ref


def submit(client: Any, batch_path: str | Path, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """Upload the request file, create the batch, write ``<name>.state.json`` beside it."""
    path = Path(batch_path)
    if not path.is_file():
        raise BatchError(f"{path}: no such batch file")
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        rec = json.loads(first)
        assert isinstance(rec, dict) and {"custom_id", "url", "body"} <= set(rec)
    except (ValueError, AssertionError):
        raise BatchError(f"{path}: not a Batch API request file (first line lacks custom_id/url/body)") from None
    with path.open("rb") as fh:
        up = _api_call(f"{path}: upload", lambda: client.files.create(file=(path.name, fh), purpose="batch"))
    batch = _api_call(
        f"{path}: create batch",
        lambda: client.batches.create(
            input_file_id=up.id, endpoint=rec.get("url") or ENDPOINT, completion_window="24h",
            metadata={"tool": "claims", "batch_file": path.name[:500], **(metadata or {})},
        ),
    )
    state = {
        "batch_id": batch.id,
        "input_file_id": up.id,
        "batch_file": str(path.resolve()),
        "meta_file": str(meta_path_for(path).resolve()),
        "host": base_host(str(client.base_url)),
        "status": batch.status,
        "submitted_at": now(),
    }
    atomic_write_json(state_path_for(path), state)
    return state


def _plain(obj: Any) -> Any:
    return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj


def status(client: Any, batch_id: str) -> dict[str, Any]:
    """The batch's status, request counts and file ids."""
    b = _api_call(f"batch {batch_id}", lambda: client.batches.retrieve(batch_id))
    counts = _plain(b.request_counts) or {}
    errors = _plain(getattr(b, "errors", None))
    return {
        "id": b.id,
        "status": b.status,
        "request_counts": {k: counts.get(k) for k in ("total", "completed", "failed")},
        "input_file_id": b.input_file_id,
        "output_file_id": b.output_file_id,
        "error_file_id": b.error_file_id,
        "created_at": b.created_at,
        "completed_at": getattr(b, "completed_at", None),
        "errors": errors,
    }


def wait(client: Any, batch_id: str, *, poll_seconds: float = 30.0, timeout: float | None = None,
         on_poll: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Poll until the batch reaches a terminal status (or ``timeout`` seconds pass)."""
    t0 = time.monotonic()
    while True:
        st = status(client, batch_id)
        if on_poll:
            on_poll(st)
        if st["status"] in TERMINAL or (timeout is not None and time.monotonic() - t0 >= timeout):
            return st
        time.sleep(poll_seconds)


def collect(client: Any, batch_id: str, out_path: str | Path) -> dict[str, Any]:
    """Download the output file and the error file into one results file (streamed, then renamed).

    An expired or cancelled batch keeps the answers it finished: they are collected, and
    ingest records the rest as missing.
    """
    st = status(client, batch_id)
    if st["status"] not in ("completed", "expired", "cancelled") or not (st["output_file_id"] or st["error_file_id"]):
        more = "; wait with `claims batch status ID --wait`" if st["status"] not in TERMINAL else ""
        raise BatchError(f"batch {batch_id} is {st['status']} with no results to collect{more}")
    out = Path(out_path)
    lines = {"output": 0, "error": 0}
    with atomic_output(out) as tmp, open(tmp, "wb") as fh:
        for kind in ("output", "error"):
            fid = st[f"{kind}_file_id"]
            if not fid:
                continue
            last = b"\n"

            def download(fid: str = fid) -> None:
                nonlocal last
                with client.files.with_streaming_response.content(fid) as resp:
                    for part in resp.iter_bytes():
                        if part:
                            fh.write(part)
                            lines[kind] += part.count(b"\n")
                            last = part[-1:]

            _api_call(f"batch {batch_id}: download {kind} file {fid}", download)
            if last != b"\n":
                fh.write(b"\n")
                lines[kind] += 1
        fh.flush()
        os.fsync(fh.fileno())
    return {**st, "results": str(out), "output_lines": lines["output"], "error_lines": lines["error"]}

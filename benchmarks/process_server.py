"""The fake OpenAI server in a process of its own, so that the client's CPU is measured
alone (on another core, where there is one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ProcessServer:
    def __init__(self, latency: float, *extra: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "fake_server.py"), "--port", "0", "--latency", str(latency), *extra],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()  # "fake OpenAI server on http://127.0.0.1:PORT/v1 ..."
        self.base_url = line.split(" on ")[1].split()[0]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def __enter__(self) -> ProcessServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

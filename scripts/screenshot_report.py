"""Render an HTML report to PNG with headless Chromium, to look at what a reader sees.

    python scripts/screenshot_report.py REPORT.html OUT.png [--width 1400 --height 2000]

Uses Debian's `chromium` (apt-get install chromium). Chromium runs with a throw-away
profile and with networking features off; the report itself loads nothing external.
Exit 2 when chromium is missing or fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_cmd(chromium: str, profile: str, *args: str) -> list[str]:
    return [chromium, *FLAGS, f"--user-data-dir={profile}", *args]


def screenshot(html: Path, out: Path, *, width: int = 1400, height: int = 2000, timeout: float = 60.0) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="claims-chromium-") as profile:
        cmd = chromium_cmd(chromium, profile, f"--screenshot={out.resolve()}", f"--window-size={width},{height}",
                           html.resolve().as_uri())
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


def dump_dom(html: Path, *, timeout: float = 60.0) -> str:
    """The DOM after parsing, as Chromium serialises it (what a script-free page really contains)."""
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="claims-chromium-") as profile:
        proc = subprocess.run(chromium_cmd(chromium, profile, "--dump-dom", html.resolve().as_uri()),
                              capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path, help="report page written by `claims eval --html`")
    ap.add_argument("out", type=Path, help="PNG to write")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=2000)
    a = ap.parse_args(argv)
    if not a.html.is_file():
        print(f"error: {a.html}: no such file", file=sys.stderr)
        return 2
    try:
        screenshot(a.html, a.out, width=a.width, height=a.height)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
